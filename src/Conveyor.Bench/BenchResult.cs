using System.Text.Json.Serialization;

namespace Conveyor.Bench;

/// <summary>
/// One measure's figures: the JSON line of <c>conveyor bench --json</c>. Latency percentiles are of
/// enqueue-to-start for <c>latency</c> and of the call's duration for <c>enqueue_single</c>.
/// </summary>
public sealed record BenchResult
{
    [JsonPropertyName("measure")] public required string Measure { get; init; }
    [JsonPropertyName("store")] public required string Store { get; init; }
    [JsonPropertyName("jobs")] public required int Jobs { get; init; }
    [JsonPropertyName("concurrency")] public required int Concurrency { get; init; }
    [JsonPropertyName("jobs_per_s")] public double? JobsPerSecond { get; init; }
    [JsonPropertyName("p50_ms")] public double? P50Milliseconds { get; init; }
    [JsonPropertyName("p99_ms")] public double? P99Milliseconds { get; init; }
    /// <summary>Node processes of a scale-out process measure; null when the node ran in the bench's own process.</summary>
    [JsonPropertyName("nodes")] public int? Nodes { get; init; }
    [JsonPropertyName("seconds")] public required double Seconds { get; init; }
    /// <summary>The process's peak working set at the end of the measure (the node runs in this process).</summary>
    [JsonPropertyName("peak_mb")] public double? PeakMegabytes { get; init; }
}
