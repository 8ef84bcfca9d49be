namespace Conveyor.Sqlite;

/// <summary>
/// Settings of a <see cref="SqliteJobStore"/>. Immutable once the store is built; validated by its constructor.
/// </summary>
public sealed record SqliteStoreOptions
{
    /// <summary>Default of <see cref="BusyTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Default of <see cref="BusyRetries"/>.</summary>
    public const int DefaultBusyRetries = 3;

    /// <summary>Default of <see cref="MaxReadConnections"/>.</summary>
    public const int DefaultMaxReadConnections = 4;

    /// <summary>Default of <see cref="MaxOperationsPerCommit"/>.</summary>
    public const int DefaultMaxOperationsPerCommit = 128;

    /// <summary>Creates options for the database file at <paramref name="path"/>.</summary>
    public SqliteStoreOptions(string path)
    {
        Path = path;
    }

    /// <summary>
    /// The database file (created with its folder when missing). Several processes on one machine may
    /// share it; a network file system may not hold it (SQLite's locks are not reliable there).
    /// </summary>
    public string Path { get; init; }

    /// <summary>
    /// How long one SQLite call waits for another connection's write lock (<c>PRAGMA busy_timeout</c>)
    /// before it fails with <c>SQLITE_BUSY</c>. Default 5 seconds.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = DefaultBusyTimeout;

    /// <summary>
    /// How many times a write transaction that still found the database busy after
    /// <see cref="BusyTimeout"/> is started again (with a short random back-off) before the operation
    /// fails. Default 3.
    /// </summary>
    public int BusyRetries { get; init; } = DefaultBusyRetries;

    /// <summary>
    /// The durability of each operation. Default <see cref="SqliteSynchronousMode.Full"/>: an operation is
    /// reported once its commit is on the disk, so it survives a power loss. The store writes through one
    /// connection that commits the operations waiting at that moment together (group commit) and flushes
    /// the WAL outside the write lock, once for every group committed meanwhile, so a flush is paid per
    /// burst, not per job; see <see cref="SqliteSynchronousMode.Normal"/> for the trade-off of the faster mode.
    /// </summary>
    public SqliteSynchronousMode Synchronous { get; init; } = SqliteSynchronousMode.Full;

    /// <summary>Connections kept open for reads (job queries, queue counts, node lists). Default 4.</summary>
    public int MaxReadConnections { get; init; } = DefaultMaxReadConnections;

    /// <summary>
    /// The most store operations (enqueues, claims, completions, …) committed in one transaction when
    /// several wait at once. Each keeps its own atomicity through a savepoint. Default 128.
    /// </summary>
    public int MaxOperationsPerCommit { get; init; } = DefaultMaxOperationsPerCommit;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
            throw new ArgumentException("SqliteStoreOptions.Path must name a database file", nameof(Path));
        if (Path.Trim() == ":memory:" || Path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"SqliteStoreOptions.Path must be a file path (got '{Path}'); use UseInMemory() for a store without a file", nameof(Path));
        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromMinutes(10))
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "BusyTimeout must be between 0 and 10 minutes");
        if (BusyRetries is < 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(BusyRetries), BusyRetries, "BusyRetries must be 0–100");
        if (MaxReadConnections is < 1 or > 64)
            throw new ArgumentOutOfRangeException(nameof(MaxReadConnections), MaxReadConnections, "MaxReadConnections must be 1–64");
        if (MaxOperationsPerCommit is < 1 or > 10_000)
            throw new ArgumentOutOfRangeException(nameof(MaxOperationsPerCommit), MaxOperationsPerCommit, "MaxOperationsPerCommit must be 1–10000");
        if (!Enum.IsDefined(Synchronous))
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "unknown synchronous mode");
    }
}
