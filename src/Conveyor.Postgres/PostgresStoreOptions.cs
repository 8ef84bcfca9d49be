using Npgsql;

namespace Conveyor.Postgres;

/// <summary>
/// Settings of a <see cref="PostgresJobStore"/>. Immutable once the store is built; validated by its constructor.
/// <see cref="PostgresConnectionString.Parse"/> builds them from a <c>postgres://</c> URL or an Npgsql connection string.
/// </summary>
public sealed record PostgresStoreOptions
{
    /// <summary>Default of <see cref="Schema"/>.</summary>
    public const string DefaultSchema = "conveyor";

    /// <summary>The longest schema name accepted (the notification channel adds to it and must stay under 64 bytes).</summary>
    public const int MaxSchemaLength = 48;

    /// <summary>Default of <see cref="NotifyInterval"/>: 5 ms.</summary>
    public static readonly TimeSpan DefaultNotifyInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>Default of <see cref="VacuumAfterDeadRows"/>: 40,000.</summary>
    public const int DefaultVacuumAfterDeadRows = 40_000;

    /// <summary>Default of <see cref="ListenReconnectMaxDelay"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultListenReconnectMaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>Creates options for the server named by an Npgsql connection string (<c>Host=…;Database=…</c>).</summary>
    public PostgresStoreOptions(string connectionString)
    {
        ConnectionString = connectionString;
    }

    /// <summary>An Npgsql connection string (key=value form). Use <see cref="PostgresConnectionString.Parse"/> for URLs.</summary>
    public string ConnectionString { get; init; }

    /// <summary>
    /// The schema that holds every table and the <c>enqueue</c> function; created by the migrations. Default
    /// <c>conveyor</c>. 1–48 characters: a letter or <c>_</c>, then letters, digits or <c>_</c> (it is always quoted,
    /// so case is kept).
    /// </summary>
    public string Schema { get; init; } = DefaultSchema;

    /// <summary>LISTEN/NOTIFY wake-ups (default) or polling only, for transaction-mode poolers.</summary>
    public PostgresNotificationMode NotificationMode { get; init; } = PostgresNotificationMode.Listen;

    /// <summary>
    /// Wake-ups of other nodes are sent outside the enqueue's transaction, at most once per this interval,
    /// one NOTIFY per queue for everything enqueued meanwhile. PostgreSQL serialises the commits of
    /// transactions that NOTIFY, so a NOTIFY per enqueue would cap enqueues at about a thousand a second.
    /// Default 5 ms; zero sends as soon as the previous NOTIFY finished.
    /// </summary>
    public TimeSpan NotifyInterval { get; init; } = DefaultNotifyInterval;

    /// <summary>The longest wait between two attempts to re-open the LISTEN connection after it broke. Default 5 s.</summary>
    public TimeSpan ListenReconnectMaxDelay { get; init; } = DefaultListenReconnectMaxDelay;

    /// <summary>
    /// Creates or upgrades the schema on first use when nobody called <see cref="PostgresJobStore.MigrateAsync"/>.
    /// Default true. Set false when the application's database user may not run DDL and the schema is
    /// migrated separately (<c>conveyor migrate</c>).
    /// </summary>
    public bool AutoMigrate { get; init; } = true;

    /// <summary>
    /// Lets Npgsql prepare the store's statements on each connection (<c>Max Auto Prepare</c>) unless the
    /// connection string sets it already. Default true: the claim and completion statements run thousands
    /// of times a second. Set false behind a pooler that does not support prepared statements.
    /// </summary>
    public bool PrepareStatements { get; init; } = true;

    /// <summary>
    /// Claims, completions, lease extensions and promotions commit without waiting for their WAL flush
    /// (<c>synchronous_commit = off</c> for those transactions only). Default true. A server crash can then
    /// forget the last moments of them, which at-least-once execution covers already: a forgotten claim leaves
    /// the job available, a forgotten completion leaves it running until its lease is rescued, so it runs again.
    /// Enqueues, cancels, retries and deletes always wait for the flush. Set false to make every commit wait.
    /// </summary>
    public bool AsyncCommitForExecution { get; init; } = true;

    /// <summary>
    /// The leader vacuums the jobs table (<c>VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON, TRUNCATE OFF)</c>) once the server
    /// counts at least this many dead row versions in it, and spends at most a fifth of the time vacuuming (after a
    /// vacuum that took <c>t</c> it waits at least <c>4t</c>). Every claim and completion leaves a dead version, and
    /// a claim walks the dead entries its index keeps for the jobs claimed since the last vacuum: without this, a
    /// node working through a million queued jobs claims at half its speed between autovacuum's runs (at most one
    /// a minute by default). Between vacuums the leader also analyzes the table when it holds more than twice the rows
    /// the planner last recorded (and at least 10,000), so that sessions stop using plans made while it was empty.
    /// Default 40,000; 0 leaves the table to autovacuum, both. Nothing happens when the store's database user does
    /// not own the table (only its owner may vacuum or analyze it).
    /// </summary>
    public int VacuumAfterDeadRows { get; init; } = DefaultVacuumAfterDeadRows;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
            throw new ArgumentException("PostgresStoreOptions.ConnectionString must name a PostgreSQL server", nameof(ConnectionString));
        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"PostgresStoreOptions.ConnectionString is not a valid Npgsql connection string: {e.Message}", nameof(ConnectionString), e);
        }
        if (SchemaName.Check(Schema) is { } error)
            throw new ArgumentException(error, nameof(Schema));
        if (!Enum.IsDefined(NotificationMode))
            throw new ArgumentOutOfRangeException(nameof(NotificationMode), NotificationMode, "unknown notification mode");
        if (NotifyInterval < TimeSpan.Zero || NotifyInterval > TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(NotifyInterval), NotifyInterval, "NotifyInterval must be between 0 and 1 second");
        if (ListenReconnectMaxDelay <= TimeSpan.Zero || ListenReconnectMaxDelay > TimeSpan.FromMinutes(5))
            throw new ArgumentOutOfRangeException(nameof(ListenReconnectMaxDelay), ListenReconnectMaxDelay, "ListenReconnectMaxDelay must be more than 0 and at most 5 minutes");
        if (VacuumAfterDeadRows < 0)
            throw new ArgumentOutOfRangeException(nameof(VacuumAfterDeadRows), VacuumAfterDeadRows, "VacuumAfterDeadRows must be 0 (off) or more");
    }
}
