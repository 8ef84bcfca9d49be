using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    private const string CancelSql = "UPDATE conveyor_jobs SET state = 'cancelled', finished_at = $now WHERE id = $id";

    private const string RetryJobSql = """
        UPDATE conveyor_jobs
        SET state = 'available', run_at = $now, finished_at = NULL, lease_expires_at = NULL,
            max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END
        WHERE id = $id
        """;

    private const string DeleteSql = "DELETE FROM conveyor_jobs WHERE id = $id";

    private const string PauseSql = """
        INSERT INTO conveyor_queues (name, paused) VALUES ($name, $paused)
        ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
        """;

    /// <inheritdoc />
    public Task<JobChangeResult> CancelJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            var session = scope.Session;
            var job = JobRows.Find(session, parameters.Id);
            if (job is null)
                return new JobChangeResult(JobChangeStatus.NotFound, null);
            if (job.State.IsFinal())
                return new JobChangeResult(JobChangeStatus.NotAllowed, job);
            session.Command(CancelSql).Bind("$now", UnixMicros.From(parameters.Now)).Bind("$id", parameters.Id).ExecuteNonQuery();
            Dependents.CancelWaiting(session, [parameters.Id], parameters.Now);
            if (job.OrderingKey is not null)
                scope.JobsAvailable(job.Queue);
            return new JobChangeResult(JobChangeStatus.Done, JobRows.Find(session, parameters.Id));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobChangeResult> RetryJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            var session = scope.Session;
            var job = JobRows.Find(session, parameters.Id);
            if (job is null)
                return new JobChangeResult(JobChangeStatus.NotFound, null);
            if (job.State is not (JobState.Dead or JobState.Cancelled or JobState.Retrying or JobState.Scheduled))
                return new JobChangeResult(JobChangeStatus.NotAllowed, job);
            session.Command(RetryJobSql).Bind("$now", UnixMicros.From(parameters.Now)).Bind("$id", parameters.Id).ExecuteNonQuery();
            scope.JobsAvailable(job.Queue);
            return new JobChangeResult(JobChangeStatus.Done, JobRows.Find(session, parameters.Id));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobChangeResult> DeleteJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            var session = scope.Session;
            var job = JobRows.Find(session, parameters.Id);
            if (job is null)
                return new JobChangeResult(JobChangeStatus.NotFound, null);
            if (job.State == JobState.Running)
                return new JobChangeResult(JobChangeStatus.NotAllowed, job);
            // Jobs waiting on it could never run: they are cancelled as if it had been cancelled.
            Dependents.CancelWaiting(session, [parameters.Id], parameters.Now, JobState.Cancelled);
            session.Command(DeleteSql).Bind("$id", parameters.Id).ExecuteNonQuery();
            if (job.OrderingKey is not null && !job.State.IsFinal())
                scope.JobsAvailable(job.Queue);
            return new JobChangeResult(JobChangeStatus.Done, null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            scope.Session.Command(PauseSql).Bind("$name", parameters.Queue).Bind("$paused", parameters.Paused ? 1L : 0L).ExecuteNonQuery();
            if (!parameters.Paused)
                scope.JobsAvailable(parameters.Queue);
            return 0;
        }, cancellationToken);
    }
}
