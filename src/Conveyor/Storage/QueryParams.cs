namespace Conveyor.Storage;

/// <summary>Identifies one job.</summary>
public sealed record GetJobParams(long Id);

/// <summary>Identifies one job for an action (cancel, retry, delete) taken at <paramref name="Now"/>.</summary>
public sealed record JobIdParams(long Id, DateTimeOffset Now);

/// <summary>A filtered page of jobs, newest first.</summary>
/// <param name="State">Only this state.</param>
/// <param name="Queue">Only this queue.</param>
/// <param name="Kind">Only this kind.</param>
/// <param name="Limit">Page size (1–1000).</param>
/// <param name="BeforeId">The cursor: only jobs with a smaller id (the <see cref="JobPage.NextCursor"/> of the previous page).</param>
public sealed record ListJobsParams(JobState? State = null, string? Queue = null, string? Kind = null, int Limit = 50, long? BeforeId = null);

/// <summary>A page of jobs; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record JobPage(IReadOnlyList<JobInfo> Jobs, long? NextCursor);

/// <summary>The outcome of cancel, retry or delete.</summary>
public enum JobChangeStatus
{
    /// <summary>Done; <see cref="JobChangeResult.Job"/> holds the job after the change (null after a delete).</summary>
    Done,
    /// <summary>No job has that id.</summary>
    NotFound,
    /// <summary>The job's state does not allow the change; <see cref="JobChangeResult.Job"/> holds it unchanged.</summary>
    NotAllowed,
    /// <summary>
    /// The job's state allows the change, but another job or a rule the job was enqueued under does not (a retry
    /// that would run a second job of a unique key, run two jobs of an ordering key at once, or run a job before the
    /// job it waits for succeeded). <see cref="JobChangeResult.Reason"/> says which; the job is unchanged.
    /// </summary>
    Conflict,
}

/// <summary>The outcome of cancel, retry or delete, with the job as it is now.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Job">The job after the change, or unchanged when the change was refused (null when deleted or not found).</param>
/// <param name="Reason">For <see cref="JobChangeStatus.Conflict"/>: why, in one sentence a person can act on.</param>
public sealed record JobChangeResult(JobChangeStatus Status, JobInfo? Job, string? Reason = null)
{
    /// <summary>
    /// A retry refused while the job's last attempt may still be running: it was cancelled while running, and its node
    /// stops the handler at its next heartbeat, so until the attempt's lease has run out a new attempt could run beside
    /// it. Null when that is not the case. Every store asks this first.
    /// </summary>
    public static JobChangeResult? StillStopping(JobInfo job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.State != JobState.Cancelled || job.LeaseExpiresAt is not { } lease || lease <= now) return null;
        return new(JobChangeStatus.Conflict, job,
            $"its attempt {job.Attempt} was cancelled while running on {job.Node} and may still be stopping; retry after {lease.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, when its lease has run out");
    }

    /// <summary>A retry refused because <paramref name="holderId"/> holds the job's unique key.</summary>
    public static JobChangeResult UniqueKeyHeld(JobInfo job, long holderId) =>
        new(JobChangeStatus.Conflict, job, $"job {holderId} holds its unique key '{job.UniqueKey}'");

    /// <summary>A retry refused because <paramref name="runningId"/>, a later job of the same ordering key, is running.</summary>
    public static JobChangeResult OrderingKeyRunning(JobInfo job, long runningId) =>
        new(JobChangeStatus.Conflict, job, $"job {runningId} of its ordering key '{job.OrderingKey}' is running; retry once it has ended");

    /// <summary>
    /// What the state of the job a retried job waits for (<c>after</c>; null when it was deleted) means for the retry: a
    /// refusal when it ended dead or cancelled or is gone (the job could never run); otherwise null, and
    /// <paramref name="waits"/> tells whether it has not ended yet (the job waits for it again) or succeeded (it may run).
    /// </summary>
    public static JobChangeResult? ForParent(JobInfo job, JobState? parentState, out bool waits)
    {
        ArgumentNullException.ThrowIfNull(job);
        waits = false;
        switch (parentState)
        {
            case null:
                return new(JobChangeStatus.Conflict, job, $"job {job.AfterJobId} it waits for was deleted, so it can never run");
            case JobState.Dead or JobState.Cancelled:
                return new(JobChangeStatus.Conflict, job, $"job {job.AfterJobId} it waits for ended {parentState.Value.ToWireName()}; retry that job first");
            default:
                waits = parentState != JobState.Succeeded;
                return null;
        }
    }
}

/// <summary>List every queue.</summary>
public sealed record ListQueuesParams;

/// <summary>Pause or resume a queue.</summary>
public sealed record SetQueuePausedParams(string Queue, bool Paused);

/// <summary>A queue with its counts per state.</summary>
/// <param name="Name">The queue.</param>
/// <param name="Paused">True while nodes must not claim from it.</param>
/// <param name="Counts">Jobs per state; every state is present.</param>
public sealed record QueueInfo(string Name, bool Paused, IReadOnlyDictionary<JobState, long> Counts);
