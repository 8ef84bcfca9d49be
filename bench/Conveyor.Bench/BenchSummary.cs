namespace Conveyor.Bench;

/// <summary>Folds several runs of one measure into one result: the median of each figure, and its range.</summary>
internal static class BenchSummary
{
    public static BenchResult Of(IReadOnlyList<BenchResult> runs)
    {
        if (runs.Count == 0) throw new ArgumentException("no runs", nameof(runs));
        if (runs.Count == 1) return runs[0];
        var rates = Figures(runs, r => r.JobsPerSecond);
        var p50 = Figures(runs, r => r.P50Milliseconds);
        var p99 = Figures(runs, r => r.P99Milliseconds);
        var nodeCpu = Figures(runs, r => r.NodeCpuMicrosecondsPerJob);
        var serverCpu = Figures(runs, r => r.ServerCpuMicrosecondsPerJob);
        return runs[0] with
        {
            Runs = runs.Count,
            JobsPerSecond = Median(rates),
            JobsPerSecondMin = rates?.Min(),
            JobsPerSecondMax = rates?.Max(),
            P50Milliseconds = Median(p50),
            P50MillisecondsMin = p50?.Min(),
            P50MillisecondsMax = p50?.Max(),
            P99Milliseconds = Median(p99),
            P99MillisecondsMin = p99?.Min(),
            P99MillisecondsMax = p99?.Max(),
            Seconds = Median(Figures(runs, r => r.Seconds))!.Value,
            PeakMegabytes = runs.Max(r => r.PeakMegabytes),
            NodeCpuMicrosecondsPerJob = Median(nodeCpu),
            ServerCpuMicrosecondsPerJob = Median(serverCpu),
        };
    }

    private static double[]? Figures(IReadOnlyList<BenchResult> runs, Func<BenchResult, double?> figure) =>
        runs.All(r => figure(r) is not null) ? [.. runs.Select(r => figure(r)!.Value).Order()] : null;

    /// <summary>The middle value (the mean of the two middle values for an even count).</summary>
    private static double? Median(double[]? sorted)
    {
        if (sorted is null) return null;
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : Math.Round((sorted[middle - 1] + sorted[middle]) / 2, 3);
    }
}
