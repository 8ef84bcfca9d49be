using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Sqlite.Schema;
using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    /// <summary>
    /// Inserts jobs atomically (see <see cref="IJobExecutionStore.InsertManyAsync"/>). Ids are assigned in input
    /// order. Large calls are written many rows per statement in one transaction.
    /// With <see cref="InsertJobsParams.Transaction"/> the rows are written through the caller's
    /// <see cref="SqliteTransaction"/>, which must be open on a connection to this store's file; the
    /// jobs exist only once the caller commits. Begin it with <c>BeginTransaction()</c> (immediate):
    /// a deferred transaction that another process writes to first fails with <c>SQLITE_BUSY</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The transaction is not a <see cref="SqliteTransaction"/> on this file, or is finished.</exception>
    /// <exception cref="JobNotFoundException">A job's <c>AfterJobId</c> does not exist; nothing was inserted.</exception>
    /// <exception cref="QueueBacklogFullException">The jobs would overfill a queue's backlog limit; nothing was inserted.</exception>
    public Task<IReadOnlyList<InsertedJob>> InsertManyAsync(InsertJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Transaction is not null)
        {
            ThrowIfDisposed();
            if (cancellationToken.IsCancellationRequested)
                return Task.FromCanceled<IReadOnlyList<InsertedJob>>(cancellationToken);
            var transaction = CheckCallerTransaction(parameters.Transaction);
            try
            {
                return Task.FromResult(InsertInCallerTransaction(parameters, transaction));
            }
            catch (Exception exception)
            {
                return Task.FromException<IReadOnlyList<InsertedJob>>(exception);
            }
        }
        if (parameters.Jobs.Count == 0)
            return Task.FromResult<IReadOnlyList<InsertedJob>>([]);
        return WriteAsync(scope =>
        {
            var inserted = JobInserter.Insert(scope.Session, parameters, scope.JobsAvailable);
            EnsureBacklogRoom(scope.Session, parameters, inserted);
            return inserted;
        }, cancellationToken);
    }

    private SqliteTransaction CheckCallerTransaction(System.Data.Common.DbTransaction candidate)
    {
        var transaction = candidate as SqliteTransaction
            ?? throw new ArgumentException(
                $"the SQLite store joins only a Microsoft.Data.Sqlite SqliteTransaction, not a {candidate.GetType().FullName}",
                "parameters");
        var connection = transaction.Connection
            ?? throw new ArgumentException("the SqliteTransaction was already committed or rolled back", "parameters");
        if (!IsThisFile(connection))
        {
            throw new ArgumentException(
                $"the SqliteTransaction's connection is on '{connection.DataSource}', not on this store's file '{DatabasePath}'",
                "parameters");
        }
        return transaction;
    }

    private IReadOnlyList<InsertedJob> InsertInCallerTransaction(InsertJobsParams parameters, SqliteTransaction transaction) =>
        WriteInCallerTransaction(transaction, (session, jobsAvailable) =>
        {
            var inserted = JobInserter.Insert(session, parameters, jobsAvailable);
            EnsureBacklogRoom(session, parameters, inserted);
            return inserted;
        });

    /// <summary>Runs <paramref name="write"/> inside the caller's transaction, atomically, and wakes the queues it made available.</summary>
    private T WriteInCallerTransaction<T>(SqliteTransaction transaction, Func<SqliteSession, Action<string>, T> write)
    {
        using var session = new SqliteSession(transaction.Connection!, transaction, ownsConnection: false);
        var queues = new List<string>();
        T written;
        // A savepoint keeps the call atomic inside the caller's transaction: a failed call leaves nothing
        // behind, and the caller may still commit its own work.
        session.Execute("SAVEPOINT conveyor_insert");
        try
        {
            if (!IsReady && !SqliteMigrations.IsCurrent(session))
            {
                // The caller's transaction may already hold the file's write lock, so the store's own
                // writer could not migrate now; the schema is created inside the caller's transaction
                // instead (and by the store itself later if the caller rolls back).
                SqliteMigrations.Apply(session);
            }
            written = write(session, queue =>
            {
                if (!queues.Contains(queue, StringComparer.Ordinal))
                    queues.Add(queue);
            });
            session.Execute("RELEASE conveyor_insert");
        }
        catch
        {
            session.Execute("ROLLBACK TO conveyor_insert");
            session.Execute("RELEASE conveyor_insert");
            throw;
        }
        // Announced before the caller commits: a node woken now claims once the caller's write lock is
        // gone, and a wake-up that finds nothing only leaves the jobs to the next poll.
        foreach (var queue in queues)
            _notifier.Publish(queue);
        return written;
    }

    private bool IsThisFile(SqliteConnection connection)
    {
        var dataSource = connection.DataSource;
        if (string.IsNullOrEmpty(dataSource))
            return false;
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(Path.GetFullPath(dataSource), DatabasePath, comparison);
    }
}
