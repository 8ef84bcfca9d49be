namespace Conveyor.Storage;

/// <summary>
/// The storage boundary (store SPI). A store speaks the domain of jobs, never of handlers, DI or
/// HTTP; the core never sees SQL. Every method takes one parameter record and a token. Methods
/// that change jobs are atomic per call. Times come from the caller (<c>Now</c> in each record) so
/// that a fake <see cref="TimeProvider"/> drives every store the same way.
/// The rules each method must follow are tested by the store conformance suite.
/// </summary>
public interface IJobStore : IAsyncDisposable
{
    /// <summary><c>memory</c>, <c>sqlite</c> or <c>postgres</c>.</summary>
    string Name { get; }

    /// <summary>What this store can do beyond the mandatory verbs.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>Wake-ups when jobs become available; null when the store offers none (the core polls).</summary>
    IJobNotifier? Notifier { get; }

    /// <summary>Elects the one node that runs cluster chores.</summary>
    ILeaderElector LeaderElector { get; }

    /// <summary>Creates or upgrades the schema. Idempotent and safe when several processes call it at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts jobs in one atomic operation and returns one entry per input, in input order.
    /// Rules: a job whose <see cref="NewJob.UniqueKey"/> matches a job that is not final, or that
    /// succeeded and whose unique period (<see cref="NewJob.UniqueFor"/>) has not ended, is not
    /// inserted: the existing id is returned with <see cref="InsertedJob.Existing"/> set (this also
    /// holds between two jobs of the same call). Unique keys are global: across queues and kinds.
    /// created_at = <see cref="InsertJobsParams.Now"/>. A job with <see cref="NewJob.AfterJobId"/> starts
    /// <c>waiting</c> unless that job already succeeded; if that job is dead or cancelled it starts
    /// <c>cancelled</c> (finished_at = now) with a <see cref="JobError.DependencyFailedType"/> error; if it does not exist the
    /// call fails with <see cref="JobNotFoundException"/> and nothing is inserted.
    /// With <see cref="InsertJobsParams.Transaction"/> the insert joins the caller's transaction.
    /// </summary>
    Task<IReadOnlyList<InsertedJob>> InsertManyAsync(InsertJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically leases up to <see cref="ClaimJobsParams.Limit"/> <c>available</c> jobs of one queue
    /// whose kind is in <see cref="ClaimJobsParams.Kinds"/> and whose <c>run_at</c> ≤ now, in the order
    /// priority descending, then run_at, then id. A claimed job becomes <c>running</c>, its attempt
    /// grows by one, <c>node</c>, <c>started_at</c> and <c>lease_expires_at</c> are set. Never returns a
    /// job to two callers. Skips paused queues (returns nothing). A job with an ordering key is
    /// claimable only while no other job with the same key and a smaller id is in a non-final state
    /// (in any queue), so one claim returns at most one job per ordering key, and while no job with the same key
    /// that was cancelled while running has a lease later than now (see <see cref="CancelJobAsync"/>). An <c>available</c> job whose
    /// run_at is still in the future is skipped until then; <c>scheduled</c> and <c>retrying</c> jobs are
    /// never claimed before <see cref="PromoteDueJobsAsync"/> made them available. The jobs are returned
    /// in claim order.
    /// </summary>
    Task<IReadOnlyList<ClaimedJob>> ClaimAsync(ClaimJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the outcomes of finished attempts in one round trip. Each completion is fenced: it
    /// applies only while the job is <c>running</c> on <see cref="CompleteJobsParams.NodeName"/> with the
    /// same attempt; otherwise (cancelled meanwhile, rescued, deleted) it is ignored. See
    /// <see cref="JobOutcome"/> for what each outcome does. Jobs waiting on a job that succeeds become
    /// <c>available</c> (or <c>scheduled</c> when their run_at is later than now); jobs waiting on a job that
    /// ends dead or cancelled become <c>cancelled</c> (finished_at = now, a <see cref="JobError.DependencyFailedType"/>
    /// error appended), and so do the jobs waiting on those, transitively.
    /// </summary>
    Task CompleteManyAsync(CompleteJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends the leases of the given jobs held by the node (one heartbeat for the whole node).
    /// Returns the ids among them that are no longer <c>running</c> on this node (cancelled, rescued,
    /// deleted, finished, unknown), in any order, so the node can cancel their handlers. Their leases are not touched.
    /// </summary>
    Task<IReadOnlyList<long>> ExtendLeasesAsync(ExtendLeasesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Records progress of a running job (fenced like completions; ignored otherwise).</summary>
    Task ReportProgressAsync(ReportProgressParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Moves up to <c>Limit</c> <c>scheduled</c> and <c>retrying</c> jobs whose run_at ≤ now to <c>available</c>. Returns how many.</summary>
    Task<int> PromoteDueJobsAsync(PromoteDueJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts back up to <c>Limit</c> <c>running</c> jobs whose lease expired before now (lease_expires_at &lt; now): each is charged
    /// the attempt it was running, with the error <see cref="JobError.LeaseExpired"/> appended; it becomes
    /// <c>available</c> (node, started_at, lease and progress cleared; attempt unchanged, so the next claim runs attempt + 1)
    /// while attempts remain, else <c>dead</c> (finished_at = now, node kept, its dependents cancelled).
    /// The error's attempt is the attempt that was running and its time is now.
    /// </summary>
    Task<IReadOnlyList<RescuedJob>> RescueExpiredLeasesAsync(RescueExpiredLeasesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes up to <c>Limit</c> final jobs whose finished_at is before the cut-off of their state (oldest first). Returns
    /// how many. A succeeded job with a unique period is deleted only once finished_at + unique_for is at or before its
    /// cut-off: it holds its key for the whole period, and its retention counts from the period's end.
    /// </summary>
    Task<int> PruneJobsAsync(PruneJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>One job, or null when there is no such id.</summary>
    Task<JobInfo?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Jobs matching every given filter, newest (highest id) first, paged by id cursor.
    /// <see cref="JobPage.NextCursor"/> is the id of the page's last job when more matching jobs follow,
    /// and null when none do (a full last page has no cursor).
    /// </summary>
    Task<JobPage> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken = default);

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
    /// A final job (<c>dead</c>, <c>cancelled</c>) runs again only under the rules it was enqueued under, checked
    /// atomically with the change; otherwise <see cref="JobChangeStatus.Conflict"/> with the reason, and nothing
    /// changes: it was cancelled while running and that attempt's lease has not run out (its handler may still be
    /// stopping; <see cref="JobChangeResult.StillStopping"/>); another job holds its unique key (as an enqueue of that key would find it); a later job of its
    /// ordering key is running (the retried job would run beside it); the job it waits for (<c>after</c>) ended
    /// <c>dead</c> or <c>cancelled</c>, or was deleted. When the job it waits for has not ended yet, the job becomes
    /// <c>waiting</c> again instead of <c>available</c>.
    /// </remarks>
    Task<JobChangeResult> RetryJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a job that is not <c>running</c>; a running job: <see cref="JobChangeStatus.NotAllowed"/>.
    /// Jobs waiting on a deleted job can never run, so they are cancelled as if it had been cancelled.
    /// </summary>
    Task<JobChangeResult> DeleteJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Every queue that has jobs or a pause record, with counts per state (every state present, zeros included), ordered by name.</summary>
    Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Pauses or resumes a queue (a paused queue is not claimed from). Works for queues with no jobs yet.</summary>
    Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Registers a node or refreshes its row (heartbeat, busy slots).</summary>
    Task UpsertNodeAsync(UpsertNodeParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Removes a node's row (clean shutdown).</summary>
    Task RemoveNodeAsync(RemoveNodeParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Every registered node, ordered by name.</summary>
    Task<IReadOnlyList<NodeInfo>> ListNodesAsync(ListNodesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Removes nodes whose last heartbeat is before the cut-off. Returns how many.</summary>
    Task<int> PruneNodesAsync(PruneNodesParams parameters, CancellationToken cancellationToken = default);
}
