using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    private const string CancelSql = "UPDATE conveyor_jobs SET state = 'cancelled', finished_at = $now WHERE id = $id";

    private const string RetryJobSql = """
        UPDATE conveyor_jobs
        SET state = $state, run_at = $now, finished_at = NULL, lease_expires_at = NULL, node = NULL, started_at = NULL,
            progress_percent = NULL, progress_message = NULL,
            max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END
        WHERE id = $id
        """;

    // The job an enqueue of this unique key would return instead of a new one, other than the job itself.
    private const string UniqueHolderSql = $"""
        SELECT id FROM conveyor_jobs
        WHERE unique_key = $key AND id <> $id
          AND (state IN {JobRows.NonFinalStates}
               OR (state = 'succeeded' AND unique_for_us IS NOT NULL AND finished_at + unique_for_us > $now))
        ORDER BY id
        LIMIT 1
        """;

    // A later job of the ordering key that runs now (walks conveyor_jobs_ordering from the job's id).
    private const string OrderingRunnerSql = $"""
        SELECT id FROM conveyor_jobs
        WHERE ordering_key = $key AND id > $id AND state IN {JobRows.NonFinalStates} AND state = 'running'
        ORDER BY id
        LIMIT 1
        """;

    private const string ParentStateSql = "SELECT state FROM conveyor_jobs WHERE id = $id";

    private const string OpenBatchOfCallbackSql = "SELECT count(*) FROM conveyor_batches WHERE callback_job_id = $id AND remaining > 0";

    private const string DeleteSql = "DELETE FROM conveyor_jobs WHERE id = $id";

    /// <inheritdoc />
    public Task<JobChangeResult> CancelJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            var session = scope.Session;
            var job = JobRows.Find(session, parameters.Id);
            if (JobLifecycle.Refuse(JobAction.Cancel, job) is { } refused)
                return refused;
            session.Command(CancelSql).Bind("$now", UnixMicros.From(parameters.Now)).Bind("$id", parameters.Id).ExecuteNonQuery();
            Dependents.CancelWaiting(session, [parameters.Id], parameters.Now);
            if (JobLifecycle.WakesQueue(JobAction.Cancel, job!, JobState.Cancelled))
                scope.JobsAvailable(job!.Queue);
            return new JobChangeResult(JobChangeStatus.Done, JobRows.Find(session, parameters.Id));
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The write transaction holds the file, so nothing changes between the facts' reads and the update.</remarks>
    public Task<JobChangeResult> RetryJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            var session = scope.Session;
            var job = JobRows.Find(session, parameters.Id);
            if (JobLifecycle.Refuse(JobAction.Retry, job) is { } refused)
                return refused;
            var facts = JobLifecycle.RetryNeedsFacts(job!) ? RetryFacts(session, job!, parameters.Now) : default;
            var decision = JobLifecycle.DecideRetry(job!, facts, parameters.Now);
            if (decision.Refusal is { } conflict)
                return conflict;
            session.Command(RetryJobSql).Bind("$state", decision.State.ToWireName()).Bind("$now", UnixMicros.From(parameters.Now))
                .Bind("$id", parameters.Id).ExecuteNonQuery();
            if (JobLifecycle.WakesQueue(JobAction.Retry, job!, decision.State))
                scope.JobsAvailable(job!.Queue);
            return new JobChangeResult(JobChangeStatus.Done, JobRows.Find(session, parameters.Id));
        }, cancellationToken);
    }

    private static RetryFacts RetryFacts(SqliteSession session, JobInfo job, DateTimeOffset now)
    {
        long? holder = job.UniqueKey is { } uniqueKey
            ? session.Command(UniqueHolderSql).Bind("$key", uniqueKey).Bind("$id", job.Id).Bind("$now", UnixMicros.From(now)).ExecuteScalar() as long?
            : null;
        long? running = job.OrderingKey is { } orderingKey
            ? session.Command(OrderingRunnerSql).Bind("$key", orderingKey).Bind("$id", job.Id).ExecuteScalar() as long?
            : null;
        JobState? parent = job.AfterJobId is { } parentId
            && session.Command(ParentStateSql).Bind("$id", parentId).ExecuteScalar() is string name
            ? JobRows.ParseState(name)
            : null;
        // The write transaction holds the file: no child can finish between this read and the retry's update.
        var openBatch = (long)session.Command(OpenBatchOfCallbackSql).Bind("$id", job.Id).ExecuteScalar()! > 0;
        return new RetryFacts(holder, running, parent, openBatch);
    }

    /// <inheritdoc />
    public Task<JobChangeResult> DeleteJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            var session = scope.Session;
            var job = JobRows.Find(session, parameters.Id);
            if (JobLifecycle.Refuse(JobAction.Delete, job) is { } refused)
                return refused;
            // Jobs waiting on it could never run: they are cancelled as if it had been cancelled.
            Dependents.CancelWaiting(session, [parameters.Id], parameters.Now, JobState.Cancelled);
            session.Command(DeleteSql).Bind("$id", parameters.Id).ExecuteNonQuery();
            if (JobLifecycle.WakesQueue(JobAction.Delete, job!, null))
                scope.JobsAvailable(job!.Queue);
            return new JobChangeResult(JobChangeStatus.Done, null);
        }, cancellationToken);
    }
}
