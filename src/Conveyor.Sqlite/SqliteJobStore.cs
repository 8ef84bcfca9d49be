using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Schema;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

/// <summary>
/// The embedded default store: every job in one SQLite file (WAL mode) that several processes on
/// one machine may share.
/// </summary>
/// <remarks>
/// <para>Writes go through one connection per store that commits every operation waiting at that
/// moment in a single <c>BEGIN IMMEDIATE</c> transaction (each operation in its own savepoint, so
/// each stays atomic on its own). Immediate transactions take SQLite's write lock up front, which
/// makes a claim atomic across processes: no two callers ever lease the same job. A process that
/// finds the file locked waits <see cref="SqliteStoreOptions.BusyTimeout"/> and then retries the
/// transaction <see cref="SqliteStoreOptions.BusyRetries"/> times.</para>
/// <para>Durability: <see cref="SqliteStoreOptions.Synchronous"/> defaults to
/// <see cref="SqliteSynchronousMode.Full"/>, so a reported operation survives a power loss. SQLite
/// commits without flushing; a separate thread flushes the WAL after the commits and reports the
/// operations then, so one flush serves every group committed meanwhile and the write lock is never
/// held across one (claims are reported at commit: see <see cref="SqliteSynchronousMode.Full"/>).
/// <c>NORMAL</c> is available for disks where a flush is slow, at the cost described on
/// <see cref="SqliteSynchronousMode.Normal"/>.</para>
/// <para>Reads (job queries, queue counts, nodes) use a small pool of separate connections and
/// never wait for the writer. The schema is created or upgraded by <see cref="MigrateAsync"/>, or
/// on the first operation when nobody called it.</para>
/// <para>Notifications reach only this process (<see cref="Notifier"/>); other processes sharing the
/// file find new work by polling.</para>
/// </remarks>
public sealed partial class SqliteJobStore : IJobStore
{
    private readonly SqliteConnectionFactory _connections;
    private readonly SqliteWriter _writer;
    private readonly SqliteReaderPool _readers;
    private readonly InProcessJobNotifier _notifier = new();
    private readonly Lock _readyGate = new();
    private Task? _ready;
    private ClaimKinds? _claimKinds;
    private int _disposed;

    /// <summary>Creates a store on the file named by <paramref name="options"/>; opens nothing until first use.</summary>
    public SqliteJobStore(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _connections = new SqliteConnectionFactory(options);
        _writer = new SqliteWriter(_connections, options, _notifier.Publish);
        _readers = new SqliteReaderPool(_connections, options.MaxReadConnections);
        LeaderElector = new SqliteLeaderElector(this);
    }

    /// <summary>Creates a store on the database file at <paramref name="path"/> with default settings.</summary>
    public SqliteJobStore(string path)
        : this(new SqliteStoreOptions(path))
    {
    }

    /// <summary><c>sqlite</c>.</summary>
    public string Name => "sqlite";

    /// <summary>
    /// No cross-process notifications (other processes poll), transactional enqueue through a
    /// <see cref="Microsoft.Data.Sqlite.SqliteTransaction"/> on the same file, several processes per file.
    /// </summary>
    public StoreCapabilities Capabilities { get; } = new(SupportsNotifications: false, SupportsTransactionalEnqueue: true, SupportsMultipleProcesses: true);

    /// <summary>Wake-ups for subscribers in this process when jobs become available here.</summary>
    public IJobNotifier? Notifier => _notifier;

    /// <summary>Not offered: enqueues and claims are separate calls.</summary>
    public IEnqueueClaimer? EnqueueClaimer => null;

    /// <summary>Not needed: its indexes drop an entry as soon as its row changes.</summary>
    public ISpaceReclaimer? SpaceReclaimer => null;

    /// <inheritdoc />
    public ILeaderElector LeaderElector { get; }

    /// <summary>The settings this store was built with.</summary>
    public SqliteStoreOptions Options { get; }

    /// <summary>The writer's hook before each write transaction asks for the lock (tests).</summary>
    internal Action? WriteTransactionBeginning
    {
        get => _writer.TransactionBeginning;
        set => _writer.TransactionBeginning = value;
    }

    /// <summary>The database file's absolute path.</summary>
    public string DatabasePath => _connections.FullPath;

    /// <summary>
    /// Creates the schema or applies the missing migrations, in order, inside one immediate
    /// transaction (recorded in <c>conveyor_schema_version</c>). Running it again is a no-op; when
    /// several processes run it at once, one applies the steps and the others find them done.
    /// Fails when the file's schema is newer than this version of Conveyor.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _writer.ExecuteAsync(static scope => SqliteMigrations.Apply(scope.Session), cancellationToken).ConfigureAwait(false);
        lock (_readyGate)
        {
            if (_ready is not { IsCompletedSuccessfully: true })
                _ready = Task.CompletedTask;
        }
    }

    /// <summary>Stops the writer after the operations already queued, and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _writer.DisposeAsync().ConfigureAwait(false);
        _readers.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction once the schema is current; completes once the
    /// commit is durable (see <see cref="SqliteWriter.ExecuteAsync"/>), or once committed when not <paramref name="durable"/>.
    /// </summary>
    internal Task<T> WriteAsync<T>(Func<WriteScope, T> work, CancellationToken cancellationToken, bool durable = true)
    {
        ThrowIfDisposed();
        var ready = EnsureReady();
        return ready.IsCompletedSuccessfully
            ? _writer.ExecuteAsync(work, cancellationToken, durable)
            : WriteAfterAsync(ready, work, cancellationToken, durable);
    }

    /// <summary>Runs <paramref name="read"/> on a read connection once the schema is current.</summary>
    internal async Task<T> ReadAsync<T>(Func<SqliteSession, T> read, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var ready = EnsureReady();
        if (!ready.IsCompletedSuccessfully)
            await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return _readers.Read(read);
    }

    /// <summary>The write connection's group commit (its counters, for tests).</summary>
    internal SqliteWriter Writer => _writer;

    /// <summary>True once this store migrated the file (or found it current).</summary>
    internal bool IsReady => Volatile.Read(ref _ready) is { IsCompletedSuccessfully: true };

    private async Task<T> WriteAfterAsync<T>(Task ready, Func<WriteScope, T> work, CancellationToken cancellationToken, bool durable)
    {
        await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await _writer.ExecuteAsync(work, cancellationToken, durable).ConfigureAwait(false);
    }

    private Task EnsureReady()
    {
        var ready = Volatile.Read(ref _ready);
        if (ready is not null && !ready.IsFaulted && !ready.IsCanceled)
            return ready;
        lock (_readyGate)
        {
            ready = _ready;
            // A failed first migration (file locked, disk full) is tried again by the next operation.
            if (ready is null || ready.IsFaulted || ready.IsCanceled)
                _ready = ready = _writer.ExecuteAsync(static scope => SqliteMigrations.Apply(scope.Session), CancellationToken.None);
            return ready;
        }
    }

    private void ThrowIfDisposed() =>
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
