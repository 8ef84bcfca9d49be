using System.Text.RegularExpressions;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Stores;

/// <summary>
/// The value of <c>--store</c> / <c>CONVEYOR_STORE</c>, parsed: <c>sqlite:PATH</c>, <c>memory:</c>,
/// <c>postgres://user:pass@host:port/db</c> (also <c>postgresql://</c>) or a key=value connection string
/// such as <c>Host=db;Username=app;Password=…</c>.
/// </summary>
/// <param name="Kind">Which store.</param>
/// <param name="Target">The SQLite file path, or the PostgreSQL URL or connection string; empty for memory.</param>
internal sealed partial record StoreUrl(StoreKind Kind, string Target)
{
    /// <summary>The store used when neither <c>--store</c> nor <c>CONVEYOR_STORE</c> names one.</summary>
    public const string Default = "sqlite:conveyor.db";

    /// <summary>Parses a store URL; throws <see cref="UsageException"/> with the accepted forms when it is none of them.</summary>
    public static StoreUrl Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = value["sqlite:".Length..];
            // sqlite:///abs/path.db and sqlite://rel.db are common spellings of the same thing.
            if (path.StartsWith("//", StringComparison.Ordinal)) path = path[2..];
            if (path.Length == 0) throw new UsageException("bad store 'sqlite:': name the database file, as in sqlite:conveyor.db");
            return new StoreUrl(StoreKind.Sqlite, path);
        }
        if (value.Equals("memory:", StringComparison.OrdinalIgnoreCase) || value.Equals("memory", StringComparison.OrdinalIgnoreCase))
            return new StoreUrl(StoreKind.Memory, "");
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return new StoreUrl(StoreKind.Postgres, value);
        if (!value.Contains("://", StringComparison.Ordinal) && value.Contains('=', StringComparison.Ordinal))
            return new StoreUrl(StoreKind.Postgres, value);
        throw new UsageException($"bad store '{text}': use sqlite:PATH, memory:, postgres://user:pass@host:port/db or a key=value connection string");
    }

    /// <summary>The store as it may be shown to a person: passwords replaced by <c>***</c>.</summary>
    public override string ToString() => Kind switch
    {
        StoreKind.Sqlite => $"sqlite:{Target}",
        StoreKind.Memory => "memory:",
        _ => Target.Contains("://", StringComparison.Ordinal) ? UrlPassword().Replace(Target, "$1***@") : KeyValuePassword().Replace(Target, "$1***"),
    };

    [GeneratedRegex(@"^([a-z]+://[^:/@]*:)[^@]*@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"((?:^|;)\s*(?:password|pwd)\s*=)[^;]*", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValuePassword();
}
