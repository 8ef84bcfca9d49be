using Conveyor.Postgres.Jobs;
using Conveyor.Postgres.Notifications;
using Conveyor.Postgres.Schema;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

/// <summary>
/// The store for many nodes on many machines: every job in one PostgreSQL table, claimed with
/// <c>FOR NO KEY UPDATE SKIP LOCKED</c>, wake-ups through LISTEN/NOTIFY.
/// </summary>
/// <remarks>
/// <para>All tables and the SQL <c>enqueue</c> function live in one schema (<see cref="PostgresStoreOptions.Schema"/>),
/// created and upgraded by <see cref="MigrateAsync"/> (or on first use). Every operation is one statement or one
/// batch of statements in one round trip, except inserts with unique keys or <c>after</c>, which read before they
/// write. The store keeps one <see cref="NpgsqlDataSource"/> (one connection pool) and, while nodes are subscribed,
/// one extra connection that LISTENs.</para>
/// <para>Transactional enqueue: pass the caller's <see cref="NpgsqlTransaction"/> in
/// <see cref="InsertJobsParams.Transaction"/>; the jobs exist only if the caller commits.</para>
/// </remarks>
public sealed partial class PostgresJobStore : IJobStore, IEnqueueClaimer, ISpaceReclaimer
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresJobNotifier _notifier;
    private readonly InsertCombiner _combiner;
    private readonly HotSessions _hot;
    private readonly Lock _readyGate = new();
    private readonly string _s;
    private Task? _ready;
    private int _disposed;

    /// <summary>Creates a store with the given settings; opens nothing until first use.</summary>
    public PostgresJobStore(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _s = SchemaName.Quote(options.Schema);
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        if (options.PrepareStatements && builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        // The store keeps no session state on a pooled connection (settings are transaction-local, advisory locks
        // transaction-level, the listener UNLISTENs before it gives its connection back), so a connection need not be
        // reset when it returns to the pool; the reset costs seven statements at the next use of the connection.
        if (!NamesSetting(options.ConnectionString, "No Reset On Close", "NoResetOnClose"))
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
            builder.ConnectionStringBuilder.ApplicationName = "conveyor";
        _dataSource = builder.Build();
        _hot = new HotSessions(_dataSource, HotSessions.MaxIdleFor(builder.ConnectionStringBuilder.MaxPoolSize));
        _notifier = new PostgresJobNotifier(_dataSource, options);
        LeaderElector = new PostgresLeaderElector(this);
        _combiner = new InsertCombiner(InsertPlainAsync);
    }

    /// <summary>
    /// Whether the connection string itself sets <paramref name="keywords"/> (any spelling of one setting).
    /// <c>NpgsqlConnectionStringBuilder.ContainsKey</c> cannot tell: it answers true for every keyword Npgsql knows.
    /// </summary>
    private static bool NamesSetting(string connectionString, params string[] keywords)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return keywords.Any(given.ContainsKey);
    }

    /// <summary>Creates a store from a <c>postgres://</c> URL or an Npgsql connection string, with default settings.</summary>
    public PostgresJobStore(string connectionStringOrUrl)
        : this(PostgresConnectionString.Parse(connectionStringOrUrl))
    {
    }

    /// <summary><c>postgres</c>.</summary>
    public string Name => "postgres";

    /// <summary>
    /// Cross-process notifications unless <see cref="PostgresNotificationMode.PollOnly"/>; transactional enqueue
    /// through an <see cref="NpgsqlTransaction"/>; any number of processes.
    /// </summary>
    public StoreCapabilities Capabilities => new(
        SupportsNotifications: Options.NotificationMode == PostgresNotificationMode.Listen,
        SupportsTransactionalEnqueue: true,
        SupportsMultipleProcesses: true);

    /// <summary>Wake-ups when jobs become available (LISTEN/NOTIFY; in-process only in poll-only mode).</summary>
    public IJobNotifier? Notifier => _notifier;

    /// <inheritdoc />
    public IEnqueueClaimer? EnqueueClaimer => this;

    /// <inheritdoc />
    public ISpaceReclaimer? SpaceReclaimer => this;

    /// <inheritdoc />
    public ILeaderElector LeaderElector { get; }

    /// <summary>The settings this store was built with.</summary>
    public PostgresStoreOptions Options { get; }

    /// <summary>The store's connection pool; callers may open connections on it for their own transactions.</summary>
    public NpgsqlDataSource DataSource => _dataSource;

    internal PostgresJobNotifier JobNotifier => _notifier;

    /// <summary>
    /// Creates the schema or applies the missing migrations, in order, in one transaction under a
    /// transaction-level advisory lock (recorded in <c>SCHEMA.schema_version</c>). Running it again is a no-op;
    /// when several nodes run it at once, one applies the steps and the others wait and find them done.
    /// Fails when the schema is newer than this version of Conveyor.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await MigrateCoreAsync(cancellationToken).ConfigureAwait(false);
        lock (_readyGate)
        {
            if (_ready is not { IsCompletedSuccessfully: true })
                _ready = Task.CompletedTask;
        }
    }

    /// <summary>Stops the notification loops (sending the last wake-ups) and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _combiner.DisposeAsync().ConfigureAwait(false);
        await _notifier.DisposeAsync().ConfigureAwait(false);
        await _hot.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private async Task MigrateCoreAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await PostgresMigrations.ApplyAsync(connection, Options.Schema, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes when the schema is current (migrating it first when <see cref="PostgresStoreOptions.AutoMigrate"/>).</summary>
    internal ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var ready = Volatile.Read(ref _ready);
        if (ready is { IsCompletedSuccessfully: true })
            return ValueTask.CompletedTask;
        return new ValueTask(WaitReadyAsync(cancellationToken));
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        Task? ready;
        lock (_readyGate)
        {
            ready = _ready;
            // A failed first migration (server down) is tried again by the next operation.
            if (ready is null || ready.IsFaulted || ready.IsCanceled)
                _ready = ready = Options.AutoMigrate ? MigrateCoreAsync(CancellationToken.None) : Task.CompletedTask;
        }
        await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Announces committed available jobs of <paramref name="queues"/> (nothing for an empty list).</summary>
    private void Publish(IEnumerable<string> queues)
    {
        foreach (var queue in queues)
            _notifier.Publish(queue);
    }

    /// <summary>The statement for this store's schema: <c>{s}</c> in <paramref name="template"/> becomes the quoted schema.</summary>
    internal string Sql(string template) => template.Replace("{s}", _s, StringComparison.Ordinal);

    private void ThrowIfDisposed() =>
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
