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

/// <summary>List every queue.</summary>
public sealed record ListQueuesParams;

/// <summary>A queue with its counts per state.</summary>
/// <param name="Name">The queue.</param>
/// <param name="Paused">True while nodes must not claim from it.</param>
/// <param name="Counts">Jobs per state; every state is present.</param>
public sealed record QueueInfo(string Name, bool Paused, IReadOnlyDictionary<JobState, long> Counts)
{
    /// <summary>The queue's flow-control limits.</summary>
    public QueueLimits Limits { get; init; } = QueueLimits.None;

    /// <summary>The queue's <c>available</c> jobs per kind (kinds with none are absent).</summary>
    public IReadOnlyDictionary<string, long> AvailableByKind { get; init; } = EmptyKinds;

    /// <summary>Of the <c>available</c> jobs, those whose kind no live node serving the queue handles (set by the monitor).</summary>
    public long NoHandler { get; init; }

    private static readonly IReadOnlyDictionary<string, long> EmptyKinds = new Dictionary<string, long>();
}
