namespace Conveyor.Storage;

/// <summary>
/// The life cycle's rules for actions on single jobs, decided here once for every store: which states allow each
/// action, the order of a retry's checks and their texts, and which changes wake the job's queue. A store finds the
/// job (locked, inside its transaction), asks <see cref="Refuse"/>, looks up the <see cref="RetryFacts"/> a retry
/// needs, applies the decision and wakes the queue when <see cref="WakesQueue"/> says so.
/// </summary>
public static class JobLifecycle
{
    /// <summary>Whether a job in <paramref name="state"/> may be cancelled: any state that is not final.</summary>
    public static bool CanCancel(JobState state) => !state.IsFinal();

    /// <summary>Whether a job in <paramref name="state"/> may be retried: <c>dead</c>, <c>cancelled</c>, <c>retrying</c> or <c>scheduled</c> (the last two run now).</summary>
    public static bool CanRetry(JobState state) => state is JobState.Dead or JobState.Cancelled or JobState.Retrying or JobState.Scheduled;

    /// <summary>Whether a job in <paramref name="state"/> may be deleted: any state but <c>running</c> (cancel it first).</summary>
    public static bool CanDelete(JobState state) => state != JobState.Running;

    /// <summary>Whether <paramref name="action"/> is allowed for a job in <paramref name="state"/>.</summary>
    public static bool Allows(JobAction action, JobState state) => action switch
    {
        JobAction.Cancel => CanCancel(state),
        JobAction.Retry => CanRetry(state),
        JobAction.Delete => CanDelete(state),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "unknown action"),
    };

    /// <summary>
    /// The first answer of every action: <see cref="JobChangeStatus.NotFound"/> when there is no job,
    /// <see cref="JobChangeStatus.NotAllowed"/> (with the job unchanged) when its state forbids the action; null to go on.
    /// </summary>
    public static JobChangeResult? Refuse(JobAction action, JobInfo? job)
    {
        if (job is null) return new JobChangeResult(JobChangeStatus.NotFound, null);
        return Allows(action, job.State) ? null : new JobChangeResult(JobChangeStatus.NotAllowed, job);
    }

    /// <summary>
    /// Whether a retry of <paramref name="job"/> must ask again what its enqueue asked (<see cref="RetryFacts"/>): only
    /// a final job. A <c>retrying</c> or <c>scheduled</c> job still holds its keys and its place.
    /// </summary>
    public static bool RetryNeedsFacts(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.State.IsFinal();
    }

    /// <summary>
    /// Decides a retry of a job whose state allows it. A final job runs again only under the rules it was enqueued
    /// under, checked in this order: its cancelled attempt may still be stopping (its lease has not run out); another
    /// job holds its unique key; a later job of its ordering key is running; the job it waits for ended <c>dead</c> or
    /// <c>cancelled</c>, or was deleted. When the job it waits for has not ended, it becomes <c>waiting</c> again; so does
    /// the callback of a batch whose children have not all ended (the last one to end releases it).
    /// </summary>
    public static RetryDecision DecideRetry(JobInfo job, RetryFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!RetryNeedsFacts(job)) return new RetryDecision(null, JobState.Available);
        if (job.State == JobState.Cancelled && job.LeaseExpiresAt is { } lease && lease > now)
            return Conflict(job, $"its attempt {job.Attempt} was cancelled while running on {job.Node} and may still be stopping; retry after {lease.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, when its lease has run out");
        if (job.UniqueKey is not null && facts.UniqueKeyHolder is { } holder)
            return Conflict(job, $"job {holder} holds its unique key '{job.UniqueKey}'");
        if (job.OrderingKey is not null && facts.RunningLaterOfOrderingKey is { } running)
            return Conflict(job, $"job {running} of its ordering key '{job.OrderingKey}' is running; retry once it has ended");
        if (job.AfterJobId is { } parentId)
        {
            switch (facts.ParentState)
            {
                case null:
                    return Conflict(job, $"job {parentId} it waits for was deleted, so it can never run");
                case JobState.Dead or JobState.Cancelled:
                    return Conflict(job, $"job {parentId} it waits for ended {facts.ParentState.Value.ToWireName()}; retry that job first");
                case not JobState.Succeeded:
                    return new RetryDecision(null, JobState.Waiting);
            }
        }
        if (facts.CallbackOfOpenBatch) return new RetryDecision(null, JobState.Waiting);
        return new RetryDecision(null, JobState.Available);
    }

    /// <summary>
    /// Whether a change frees something a claim may be waiting for, so the job's queue is woken after the commit:
    /// a retry that made the job available; a cancel or delete of an unfinished job of an ordering key (the next job of
    /// the key may run).
    /// </summary>
    /// <param name="action">The action applied.</param>
    /// <param name="before">The job as found before the change.</param>
    /// <param name="after">The state after the change (null after a delete).</param>
    public static bool WakesQueue(JobAction action, JobInfo before, JobState? after)
    {
        ArgumentNullException.ThrowIfNull(before);
        return action switch
        {
            JobAction.Retry => after == JobState.Available,
            JobAction.Cancel or JobAction.Delete => before.OrderingKey is not null && !before.State.IsFinal(),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "unknown action"),
        };
    }

    /// <summary>
    /// The state a job whose lease expired goes to (see <see cref="IJobExecutionStore.RescueExpiredLeasesAsync"/>):
    /// <c>dead</c> once its attempts are spent or its lost leases, counting this one, reach the cap; <c>retrying</c> (at
    /// a random time within the spread) one lost lease short of the cap; else <c>available</c> at once.
    /// </summary>
    /// <param name="attempt">The attempt that was running.</param>
    /// <param name="maxAttempts">The job's max attempts.</param>
    /// <param name="lostLeases">Its lost leases, counting the one being rescued.</param>
    /// <param name="parameters">The rescue's cap and spread.</param>
    public static JobState RescuedState(int attempt, int maxAttempts, int lostLeases, RescueExpiredLeasesParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (attempt >= maxAttempts || lostLeases >= parameters.MaxLostLeases) return JobState.Dead;
        return IsSuspect(lostLeases, parameters.MaxLostLeases) && parameters.SuspectSpread > TimeSpan.Zero ? JobState.Retrying : JobState.Available;
    }

    /// <summary>
    /// Whether a job that lost <paramref name="lostLeases"/> leases is a suspect: one lost lease short of the cap, it may
    /// be what crashed the nodes that ran it. The rescue puts a suspect back at a random time within the spread, and a
    /// node holds at most one suspect at a time, so its next crash buries it alone.
    /// </summary>
    public static bool IsSuspect(int lostLeases, int maxLostLeases) => lostLeases >= 1 && lostLeases >= maxLostLeases - 1;

    /// <summary>
    /// How a change of one batch child moves its batch's count of unfinished children: −1 when an unfinished child
    /// becomes final or is deleted (a deleted child counts as final), +1 when a final child runs again (a retry), else 0.
    /// The change that brings the count to 0 releases the callback, in the same transaction, and closes the batch: later
    /// changes of its children (a child retried after the release) count nothing, and the callback is not released
    /// again. The SQL stores apply this rule in a trigger on their jobs table, the memory store in its state changes.
    /// </summary>
    public static int BatchRemainingDelta(bool wasFinal, bool isFinal) => (wasFinal, isFinal) switch
    {
        (false, true) => -1,
        (true, false) => +1,
        _ => 0,
    };

    /// <summary>
    /// The first answer of a batch cancel: <see cref="JobChangeStatus.NotFound"/> when there is no batch,
    /// <see cref="JobChangeStatus.NotAllowed"/> when it is complete (every child final) or already cancelled; null to go on.
    /// </summary>
    public static BatchChangeResult? RefuseBatchCancel(BatchInfo? batch)
    {
        if (batch is null) return new BatchChangeResult(JobChangeStatus.NotFound, null);
        return batch.Complete || batch.CancelledAt is not null ? new BatchChangeResult(JobChangeStatus.NotAllowed, batch) : null;
    }

    /// <summary>The reason recorded on a batch cancelled by its deadline.</summary>
    public static string BatchDeadlineReason(DateTimeOffset deadline) =>
        $"deadline {deadline.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z passed";

    private static RetryDecision Conflict(JobInfo job, string reason) =>
        new(new JobChangeResult(JobChangeStatus.Conflict, job, reason), job.State);
}
