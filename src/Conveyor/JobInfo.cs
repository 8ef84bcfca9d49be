using System.Text.Json.Serialization;
using Conveyor.Serialization;

namespace Conveyor;

/// <summary>
/// Everything known about one job: the read model returned by <c>JobClient</c>, the HTTP API
/// and the CLI. Serialises to the job JSON of the contract (see <see cref="JobInfoJsonConverter"/>).
/// </summary>
[JsonConverter(typeof(JobInfoJsonConverter))]
public sealed record JobInfo
{
    public required long Id { get; init; }
    public required string Kind { get; init; }
    public required string Queue { get; init; }
    public required JobState State { get; init; }
    /// <summary>The job's arguments as JSON text (an object or an array).</summary>
    public required string ArgsJson { get; init; }
    public int Priority { get; init; }
    /// <summary>Attempts started so far (0 before the first claim).</summary>
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public required DateTimeOffset RunAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>The handler's time limit; null means the node's default.</summary>
    public TimeSpan? Timeout { get; init; }
    public string? OrderingKey { get; init; }
    public string? UniqueKey { get; init; }
    public string? AffinityKey { get; init; }
    /// <summary>The job this one waits for (<c>after</c>), if any.</summary>
    public long? AfterJobId { get; init; }
    public long? BatchId { get; init; }
    /// <summary>The node that holds (or last held) the job.</summary>
    public string? Node { get; init; }
    /// <summary>When the running job's lease runs out.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public JobProgress? Progress { get; init; }
    /// <summary>The handler's result as JSON text, once it succeeded with one.</summary>
    public string? ResultJson { get; init; }
    public IReadOnlyList<JobError> Errors { get; init; } = [];
    /// <summary>
    /// True when the job is available and no live node serving its queue handles its kind (set by
    /// <see cref="JobMonitor.WithNoHandlerAsync"/>; the store never sets it). Written as <c>"noHandler": true</c> only when true.
    /// </summary>
    public bool NoHandler { get; init; }
}
