namespace Conveyor.Samples.MapReduce;

/// <summary>The store named on the command line, as the <c>conveyor</c> CLI names it: <c>sqlite:PATH</c> or a PostgreSQL URL.</summary>
internal static class StoreChoice
{
    /// <summary>Configures <paramref name="options"/> for <paramref name="store"/>, or throws a clear <see cref="ArgumentException"/>.</summary>
    public static void Apply(ConveyorOptions options, string store)
    {
        if (store.StartsWith("sqlite:", StringComparison.Ordinal) && store.Length > "sqlite:".Length)
            options.UseSqlite(store["sqlite:".Length..]);
        else if (store.StartsWith("postgres://", StringComparison.Ordinal) || store.StartsWith("postgresql://", StringComparison.Ordinal) || store.Contains('='))
            options.UsePostgres(store);
        else if (store.StartsWith("memory:", StringComparison.Ordinal))
            throw new ArgumentException("--store memory: lives in one process, and the workers are processes of their own: use sqlite:PATH or postgres://…");
        else
            throw new ArgumentException($"bad --store '{store}': use sqlite:PATH or postgres://user:pass@host:port/db");
    }
}
