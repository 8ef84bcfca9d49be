namespace Conveyor.Cli.Stores;

/// <summary>Which store a <see cref="StoreUrl"/> names.</summary>
internal enum StoreKind
{
    /// <summary>An SQLite file (<c>sqlite:PATH</c>).</summary>
    Sqlite,

    /// <summary>This process's memory (<c>memory:</c>).</summary>
    Memory,

    /// <summary>PostgreSQL (<c>postgres://…</c> or a key=value connection string).</summary>
    Postgres,
}
