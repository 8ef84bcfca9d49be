namespace Conveyor.Storage;

/// <summary>
/// The hot path of the storage boundary: what nodes do to jobs as they run them (insert, claim, complete, leases,
/// progress) and the leader's chores on jobs (promote, rescue, prune). Batch-shaped: one call serves many jobs.
/// A store applies the life cycle's transitions here; the rules it follows are in the conformance suite.
/// </summary>
public interface IJobExecutionStore
{
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
    /// When the jobs inserted into a queue with a <see cref="QueueLimits.MaxBacklog"/> would make its backlog (its
    /// <c>available</c>, <c>scheduled</c>, <c>retrying</c> and <c>waiting</c> jobs) larger than the limit, the call
    /// fails with <see cref="QueueBacklogFullException"/> and nothing is inserted.
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
    /// that was cancelled while running has a lease later than now (see <see cref="IJobAdminStore.CancelJobAsync"/>). An <c>available</c> job whose
    /// run_at is still in the future is skipped until then; <c>scheduled</c> and <c>retrying</c> jobs are
    /// never claimed before <see cref="PromoteDueJobsAsync"/> made them available. The jobs are returned
    /// in claim order. The queue's limits (<see cref="IQueueSettingsStore.SetQueueLimitsAsync"/>) hold across every
    /// caller: never more than its global limit of jobs <c>running</c> at once; never more starts than its rate limit
    /// allows in any window of the period ending at now (<see cref="ClaimedJobs.NextStartAt"/> then says when the
    /// window frees); when ordered, only the job with the smallest id among the queue's non-final jobs, and only while
    /// no other job of the queue runs. On such a queue <see cref="ClaimedJobs.Limited"/> is true.
    /// </summary>
    Task<ClaimedJobs> ClaimAsync(ClaimJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the outcomes of finished attempts in one round trip. Each completion is fenced: it
    /// applies only while the job is <c>running</c> on <see cref="CompleteJobsParams.NodeName"/> with the
    /// same attempt; otherwise (cancelled meanwhile, rescued, deleted) it is refused and changes nothing. See
    /// <see cref="JobOutcome"/> for what each outcome does. Jobs waiting on a job that succeeds become
    /// <c>available</c> (or <c>scheduled</c> when their run_at is later than now); jobs waiting on a job that
    /// ends dead or cancelled become <c>cancelled</c> (finished_at = now, a <see cref="JobError.DependencyFailedType"/>
    /// error appended), and so do the jobs waiting on those, transitively.
    /// Returns the ids of the completions it refused (fenced out), in any order; empty when every one applied.
    /// </summary>
    Task<IReadOnlyList<long>> CompleteManyAsync(CompleteJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends the leases of the given jobs held by the node (one heartbeat for the whole node).
    /// Returns the ids among them that are no longer <c>running</c> on this node (cancelled, rescued,
    /// deleted, finished, unknown), in any order, so the node can cancel their handlers. Their leases are not touched.
    /// The fence is the node: a job still <c>running</c> on it runs the attempt the node claimed last (an attempt changes
    /// only through a rescue or a release, both of which take the job off the node), and an extension changes no state.
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
    /// while attempts remain and the job has lost fewer than <c>MaxLostLeases</c> leases; else <c>dead</c> (finished_at = now,
    /// node kept, its dependents cancelled). Lost leases are counted from the job's errors of type
    /// <see cref="JobError.LeaseExpiredType"/>, the one appended by this rescue included, in the same transaction as the
    /// rescue; failures the handler reported do not count. The error's attempt is the attempt that was running and its time is now.
    /// </summary>
    Task<IReadOnlyList<RescuedJob>> RescueExpiredLeasesAsync(RescueExpiredLeasesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes up to <c>Limit</c> final jobs whose finished_at is before the cut-off of their state (oldest first). Returns
    /// how many. A succeeded job with a unique period is deleted only once finished_at + unique_for is at or before its
    /// cut-off: it holds its key for the whole period, and its retention counts from the period's end. A batch whose
    /// callback job is pruned is deleted with it (in the same transaction); its children are pruned by their own states.
    /// </summary>
    Task<int> PruneJobsAsync(PruneJobsParams parameters, CancellationToken cancellationToken = default);
}
