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
    /// <summary>How many runs the figures are the median of (the ranges below are over those runs).</summary>
    [JsonPropertyName("runs")] public int Runs { get; init; } = 1;
    [JsonPropertyName("jobs_per_s_min")] public double? JobsPerSecondMin { get; init; }
    [JsonPropertyName("jobs_per_s_max")] public double? JobsPerSecondMax { get; init; }
    [JsonPropertyName("p50_ms_min")] public double? P50MillisecondsMin { get; init; }
    [JsonPropertyName("p50_ms_max")] public double? P50MillisecondsMax { get; init; }
    [JsonPropertyName("p99_ms_min")] public double? P99MillisecondsMin { get; init; }
    [JsonPropertyName("p99_ms_max")] public double? P99MillisecondsMax { get; init; }
    [JsonPropertyName("seconds")] public required double Seconds { get; init; }
    /// <summary>The process's peak working set at the end of the measure (the node runs in this process).</summary>
    [JsonPropertyName("peak_mb")] public double? PeakMegabytes { get; init; }

    /// <summary>
    /// CPU time of the node per job over the timed window, in microseconds: the bench's process (the node or the
    /// enqueuing callers, and with SQLite or memory the store as well), or with <c>--nodes</c> the node processes
    /// together. Null for <c>latency</c> (mostly idle by design).
    /// </summary>
    [JsonPropertyName("node_cpu_us_per_job")] public double? NodeCpuMicrosecondsPerJob { get; init; }

    /// <summary>
    /// CPU time of the store's server processes per job over the timed window, in microseconds, when the server runs
    /// on this machine (a local PostgreSQL); null otherwise and for <c>latency</c>.
    /// </summary>
    [JsonPropertyName("server_cpu_us_per_job")] public double? ServerCpuMicrosecondsPerJob { get; init; }

    /// <summary>The line <c>conveyor bench</c> prints for this result without <c>--json</c>.</summary>
    public string ToLine()
    {
        var rate = JobsPerSecond is { } perSecond ? $"{perSecond,12:N0} jobs/s" : "";
        if (JobsPerSecondMin is { } low && JobsPerSecondMax is { } high) rate += $" ({low:N0}–{high:N0})";
        var percentiles = P50Milliseconds is { } p50 ? $"  p50 {p50:0.###} ms  p99 {P99Milliseconds:0.###} ms" : "";
        if (P50MillisecondsMin is { } p50Low) percentiles += $" (p50 {p50Low:0.###}–{P50MillisecondsMax:0.###}, p99 {P99MillisecondsMin:0.###}–{P99MillisecondsMax:0.###})";
        if (Runs > 1) percentiles += $"  median of {Runs}";
        var measure = Nodes is { } nodes ? $"{Measure}×{nodes}" : Measure;
        var cpu = (NodeCpuMicrosecondsPerJob, ServerCpuMicrosecondsPerJob) switch
        {
            ({ } node, { } server) => $", CPU per job: node {node:0.#} µs, server {server:0.#} µs",
            ({ } node, null) => $", CPU per job {node:0.#} µs",
            (null, { } server) => $", server CPU per job {server:0.#} µs",
            _ => "",
        };
        return $"{measure,-15} {Store,-8} {Jobs,8:N0} jobs  c={Concurrency,-3} {rate}{percentiles}  ({Seconds:0.###} s, peak {PeakMegabytes:0} MB{cpu})";
    }
}
