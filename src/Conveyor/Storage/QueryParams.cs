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
}

/// <summary>The outcome of cancel, retry or delete, with the job as it is now.</summary>
public sealed record JobChangeResult(JobChangeStatus Status, JobInfo? Job);

/// <summary>List every queue.</summary>
public sealed record ListQueuesParams;

/// <summary>Pause or resume a queue.</summary>
public sealed record SetQueuePausedParams(string Queue, bool Paused);

/// <summary>A queue with its counts per state.</summary>
/// <param name="Name">The queue.</param>
/// <param name="Paused">True while nodes must not claim from it.</param>
/// <param name="Counts">Jobs per state; every state is present.</param>
public sealed record QueueInfo(string Name, bool Paused, IReadOnlyDictionary<JobState, long> Counts);
