using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Connections;

/// <summary>
/// The store's single write connection. Operations queue here; the writer takes every operation
/// waiting at that moment (up to a limit), runs them one after another inside one
/// <c>BEGIN IMMEDIATE</c> transaction, each in its own savepoint, then takes those that arrived
/// meanwhile, and commits once when none is left (group commit).
/// One operation's failure rolls back only its savepoint. In-process writers therefore never fight
/// over SQLite's lock; other processes wait on it through <c>busy_timeout</c>, and a transaction
/// that still finds the file busy is started again a few times before the operations fail.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private readonly Channel<WriteOperation> _queue = Channel.CreateUnbounded<WriteOperation>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly SqliteConnectionFactory _connections;
    private readonly Action<string> _jobsAvailable;
    private readonly int _maxOperations;
    private readonly int _busyRetries;

    /// <summary>Called on the writer's thread right before it asks SQLite for the write lock (tests watch a wait begin).</summary>
    internal Action? TransactionBeginning { get; set; }
    private readonly Task _loop;
    private readonly WalFlusher? _flusher;
    private readonly List<WriteOperation> _awaitingFlush = [];
    private SqliteSession? _session;
    private bool _firstCommitFlushes;
    private long _commits;
    private long _committedOperations;

    public SqliteWriter(SqliteConnectionFactory connections, SqliteStoreOptions options, Action<string> jobsAvailable)
    {
        _connections = connections;
        _jobsAvailable = jobsAvailable;
        _maxOperations = options.MaxOperationsPerCommit;
        _busyRetries = options.BusyRetries;
        // The connection commits with synchronous = NORMAL; FULL durability is the flusher's job.
        _flusher = options.Synchronous == SqliteSynchronousMode.Full ? new WalFlusher() : null;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside a write transaction; completes once it committed and, with
    /// <see cref="SqliteSynchronousMode.Full"/> and <paramref name="durable"/>, once the commit is on the disk.
    /// </summary>
    public Task<T> ExecuteAsync<T>(Func<WriteScope, T> work, CancellationToken cancellationToken, bool durable = true)
    {
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled<T>(cancellationToken);
        var operation = new WriteOperation<T>(work, durable, cancellationToken);
        if (!_queue.Writer.TryWrite(operation))
            throw new ObjectDisposedException(nameof(SqliteJobStore), "the SQLite store was disposed");
        return operation.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_flusher is not null)
            await _flusher.DisposeAsync().ConfigureAwait(false);
        _session?.Dispose();
        _session = null;
    }

    /// <summary>Transactions committed so far (for tests and diagnostics).</summary>
    public long Commits => Volatile.Read(ref _commits);

    /// <summary>Operations those transactions held.</summary>
    public long CommittedOperations => Volatile.Read(ref _committedOperations);

    /// <summary>Flushes of the WAL file that made commits durable (0 with <see cref="SqliteSynchronousMode.Normal"/>).</summary>
    public long Flushes => _flusher?.Flushes ?? 0;

    private async Task RunAsync()
    {
        var group = new List<WriteOperation>(_maxOperations);
        var scopes = new List<WriteScope>(_maxOperations);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            scopes.Clear();
            TakeWaiting(reader, group);
            if (group.Count > 0)
                await RunGroupAsync(reader, group, scopes).ConfigureAwait(false);
        }
    }

    /// <summary>Moves the operations waiting now into <paramref name="group"/>, up to the limit; skips cancelled ones.</summary>
    private void TakeWaiting(ChannelReader<WriteOperation> reader, List<WriteOperation> group)
    {
        while (group.Count < _maxOperations && reader.TryRead(out var operation))
        {
            if (operation.TryStart())
                group.Add(operation);
        }
    }

    private async Task RunGroupAsync(ChannelReader<WriteOperation> reader, List<WriteOperation> group, List<WriteScope> scopes)
    {
        SqliteSession session;
        try
        {
            session = await BeginAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            foreach (var operation in group)
                operation.Fail(exception);
            return;
        }

        // A lone operation needs no savepoint: if it fails, the whole transaction is rolled back. Every
        // other operation gets one, so its failure undoes only its own changes.
        var savepoints = group.Count > 1;
        for (var i = 0; ; i++)
        {
            if (i == group.Count)
            {
                // Operations that arrived while this group ran join it before the commit: one flush for
                // them too, and the caller that arrived first waits only for their (short) execution.
                TakeWaiting(reader, group);
                if (i == group.Count)
                    break;
                savepoints = true;
            }
            var scope = new WriteScope(session);
            scopes.Add(scope);
            if (!Execute(session, group[i], scope, savepoints))
            {
                // Alone in the transaction, or SQLite already rolled the whole transaction back
                // (disk full, I/O error): nothing of this group can commit.
                Rollback(session);
                var failure = group[i].Failure;
                foreach (var operation in group)
                    operation.Fail(failure!);
                return;
            }
        }

        try
        {
            await CommitAsync(session).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Rollback(session);
            foreach (var operation in group)
                operation.Fail(exception);
            return;
        }
        _commits++;
        _committedOperations += group.Count;
        if (_firstCommitFlushes)
        {
            _firstCommitFlushes = false;
            try
            {
                session.Execute("PRAGMA synchronous = NORMAL");
            }
            catch (SqliteException)
            {
                // Left in FULL: slower, never less durable. The group is committed either way.
            }
        }

        for (var i = 0; i < group.Count; i++)
        {
            var operation = group[i];
            if (operation.Failure is not null)
            {
                operation.Complete();
                continue;
            }
            if (_flusher is not null && operation.Durable)
                _awaitingFlush.Add(operation);
            else
                operation.Complete();
            // Announced at once: the jobs are committed (visible to every connection) even before the flush.
            foreach (var queue in scopes[i].AvailableQueues)
                _jobsAvailable(queue);
        }
        if (_awaitingFlush.Count > 0)
        {
            _flusher!.AfterNextFlush(_awaitingFlush);
            _awaitingFlush.Clear();
        }
    }

    /// <summary>Runs one operation; false when its failure spoiled the whole transaction.</summary>
    private static bool Execute(SqliteSession session, WriteOperation operation, WriteScope scope, bool savepoint)
    {
        if (savepoint)
            session.Execute("SAVEPOINT conveyor_op");
        try
        {
            operation.Execute(scope);
            if (savepoint)
                session.Execute("RELEASE conveyor_op");
            return true;
        }
        catch (Exception)
        {
            scope.Discard();
            return savepoint && TryRollbackToSavepoint(session);
        }
    }

    private async Task<SqliteSession> BeginAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (_session is null)
                {
                    _session = new SqliteSession(_connections.OpenWriter());
                    if (_flusher is not null)
                    {
                        // The connection's first commit flushes inside SQLite (FULL): SQLite's first flush of a
                        // WAL it opened also flushes the WAL's directory entry, which flushing the file alone
                        // does not promise. Later commits leave flushing to the flusher.
                        _session.Execute("PRAGMA synchronous = FULL");
                        _firstCommitFlushes = true;
                        _flusher.ConnectionOpened(WalPathOf(_session.Connection));
                    }
                }
                TransactionBeginning?.Invoke();
                _session.Execute("BEGIN IMMEDIATE");
                return _session;
            }
            catch (SqliteException exception) when (SqliteErrors.IsBusy(exception) && attempt < _busyRetries)
            {
                await Task.Delay(BackOff(attempt)).ConfigureAwait(false);
            }
            catch (SqliteException) when (_session is { } broken && !IsUsable(broken))
            {
                // A connection that cannot even begin a transaction is replaced on the next batch.
                broken.Dispose();
                _session = null;
                throw;
            }
        }
    }

    private async Task CommitAsync(SqliteSession session)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                session.Execute("COMMIT");
                return;
            }
            catch (SqliteException exception) when (SqliteErrors.IsBusy(exception) && attempt < _busyRetries)
            {
                // A busy COMMIT leaves the transaction open: trying again is safe.
                await Task.Delay(BackOff(attempt)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The WAL file of <paramref name="connection"/>: SQLite names it after the database file it resolved,
    /// following symbolic links, so it is asked rather than derived from the configured path.
    /// </summary>
    private static string WalPathOf(SqliteConnection connection) =>
        SQLitePCL.raw.sqlite3_db_filename(connection.Handle, "main").utf8_to_string() + "-wal";

    /// <summary>The WAL file the flusher flushes (null with <see cref="SqliteSynchronousMode.Normal"/>), for tests.</summary>
    public string? WalPath => _flusher?.WalPath;

    private static bool TryRollbackToSavepoint(SqliteSession session)
    {
        try
        {
            session.Execute("ROLLBACK TO conveyor_op");
            session.Execute("RELEASE conveyor_op");
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    private static void Rollback(SqliteSession session)
    {
        try
        {
            session.Execute("ROLLBACK");
        }
        catch (SqliteException)
        {
            // SQLite had already rolled back ("no transaction is active"): the state we want.
        }
    }

    private static bool IsUsable(SqliteSession session) =>
        session.Connection.State == System.Data.ConnectionState.Open;

    private static TimeSpan BackOff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50) * (1 << Math.Min(attempt, 4)));
}
