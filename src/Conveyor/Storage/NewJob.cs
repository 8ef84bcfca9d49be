namespace Conveyor.Storage;

/// <summary>A validated job ready to insert; the core fills every default before a store sees it.</summary>
public sealed record NewJob
{
    public required string Kind { get; init; }
    public required string Queue { get; init; }
    /// <summary>A JSON object or array, as text.</summary>
    public required string ArgsJson { get; init; }
    public int Priority { get; init; }
    public required int MaxAttempts { get; init; }
    /// <summary><see cref="JobState.Available"/> or <see cref="JobState.Scheduled"/> (the store may hold it as <c>waiting</c>).</summary>
    public required JobState State { get; init; }
    public required DateTimeOffset RunAt { get; init; }
    public TimeSpan? Timeout { get; init; }
    public string? OrderingKey { get; init; }
    public string? UniqueKey { get; init; }
    public TimeSpan? UniqueFor { get; init; }
    public string? AffinityKey { get; init; }
    public long? AfterJobId { get; init; }
    public long? BatchId { get; init; }
    /// <summary>The W3C <c>traceparent</c> of the enqueue (its span, or the caller's), continued when the job runs; null when none.</summary>
    public string? TraceParent { get; init; }
    /// <summary>The W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>; null when none.</summary>
    public string? TraceState { get; init; }
}
