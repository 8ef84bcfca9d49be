namespace Conveyor.Storage;

/// <summary>
/// Queries and actions on single jobs: what <see cref="Conveyor.JobMonitor"/>, the CLI and the HTTP API use. Which
/// actions a job's state allows, and the order of the checks a retry makes, are decided by <see cref="JobLifecycle"/>;
/// a store looks the facts up inside its transaction and applies the decision.
/// </summary>
public interface IJobAdminStore
{
    /// <summary>One job, or null when there is no such id.</summary>
    Task<JobInfo?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Jobs matching every given filter, newest (highest id) first, paged by id cursor.
    /// <see cref="JobPage.NextCursor"/> is the id of the page's last job when more matching jobs follow,
    /// and null when none do (a full last page has no cursor).
    /// </summary>
    Task<JobPage> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Every queue that has jobs or a pause record, with counts per state (every state present, zeros included), ordered by name.</summary>
    Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// The jobs that ended <c>succeeded</c> or <c>dead</c> with <c>finished_at</c> in [Since, Until), per bucket of
    /// <see cref="GetActivityParams.Bucket"/> counted from Since: only buckets with at least one job, in time order.
    /// Read from the finished jobs by time, so its cost follows the jobs that ended in the window.
    /// </summary>
    Task<IReadOnlyList<ActivityBucket>> GetActivityAsync(GetActivityParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// The jobs of <see cref="ListOrderingKeyParams.OrderingKey"/> that are not final, in the order the key lets them run
    /// (id order), at most <see cref="ListOrderingKeyParams.Limit"/>.
    /// </summary>
    Task<IReadOnlyList<JobInfo>> ListOrderingKeyAsync(ListOrderingKeyParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels a job that is not final (a running one too: its node notices at its next heartbeat).
    /// The job gets finished_at = now and keeps its node and lease; no error is recorded for it. A running job with an
    /// ordering key holds the key until that lease ends (its handler may still be stopping until then), unless it is
    /// deleted. Jobs waiting on it are
    /// cancelled as well (with a <see cref="JobError.DependencyFailedType"/> error, transitively).
    /// A final job: <see cref="JobChangeStatus.NotAllowed"/>.
    /// </summary>
    Task<JobChangeResult> CancelJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a <c>dead</c>, <c>cancelled</c>, <c>retrying</c> or <c>scheduled</c> job <c>available</c> now
    /// (run_at = now, finished_at, node, started_at, lease and progress cleared, errors and attempt kept; max_attempts raised to
    /// attempt + 1 when exhausted). Any other state (<c>waiting</c>, <c>available</c>, <c>running</c>,
    /// <c>succeeded</c>): <see cref="JobChangeStatus.NotAllowed"/>.
    /// </summary>
    /// <remarks>
    /// A final job (<c>dead</c>, <c>cancelled</c>) runs again only under the rules it was enqueued under, decided by
    /// <see cref="JobLifecycle.DecideRetry"/> from the <see cref="RetryFacts"/> the store looks up, atomically with the
    /// change; a refusal is <see cref="JobChangeStatus.Conflict"/> with the reason, and nothing changes. A job whose
    /// parent (<c>after</c>) has not ended becomes <c>waiting</c> again instead of <c>available</c>.
    /// </remarks>
    Task<JobChangeResult> RetryJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a job that is not <c>running</c>; a running job: <see cref="JobChangeStatus.NotAllowed"/>.
    /// Jobs waiting on a deleted job can never run, so they are cancelled as if it had been cancelled.
    /// </summary>
    Task<JobChangeResult> DeleteJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default);
}
