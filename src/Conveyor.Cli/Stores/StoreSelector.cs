using Conveyor.Cli.Running;

namespace Conveyor.Cli.Stores;

/// <summary>
/// Chooses the store for a command: <c>--store</c>, else the environment variable <c>CONVEYOR_STORE</c>,
/// else <see cref="StoreUrl.Default"/>; and plugs it into <see cref="ConveyorOptions"/>. Every command goes
/// through here, so adding a store to the CLI is a change to this one class.
/// </summary>
internal static class StoreSelector
{
    /// <summary>The environment variable read when <c>--store</c> is not given.</summary>
    public const string EnvironmentVariable = "CONVEYOR_STORE";

    /// <summary>The store named by <paramref name="option"/>, else by <paramref name="environment"/>, else the default.</summary>
    public static StoreUrl Resolve(string? option, string? environment) =>
        StoreUrl.Parse(!string.IsNullOrWhiteSpace(option) ? option
            : !string.IsNullOrWhiteSpace(environment) ? environment
            : StoreUrl.Default);

    /// <summary>The store named by <paramref name="option"/> or by this process's <c>CONVEYOR_STORE</c>.</summary>
    public static StoreUrl Resolve(string? option) => Resolve(option, Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The PostgreSQL settings <paramref name="store"/> names; a bad URL or schema is a usage error.</summary>
    public static Conveyor.Postgres.PostgresStoreOptions Postgres(StoreUrl store)
    {
        try
        {
            var options = Conveyor.Postgres.PostgresConnectionString.Parse(store.Target);
            return options;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new UsageException($"bad store '{store}': {e.Message}");
        }
    }

    /// <summary>Configures <paramref name="options"/> to use <paramref name="store"/>.</summary>
    public static void Apply(StoreUrl store, ConveyorOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        switch (store.Kind)
        {
            case StoreKind.Sqlite:
                options.UseSqlite(store.Target);
                break;
            case StoreKind.Memory:
                options.UseInMemory();
                break;
            case StoreKind.Postgres:
                options.UsePostgres(Postgres(store));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(store), store.Kind, "unknown store kind");
        }
    }
}
