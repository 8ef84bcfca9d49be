namespace Conveyor.Bench;

/// <summary>How a bench run is shaped. The defaults are those the project's targets are stated for.</summary>
public sealed class BenchOptions
{
    /// <summary>N: jobs per measure (enqueue_single, enqueue_bulk, process).</summary>
    public int Jobs { get; set; } = 20_000;

    /// <summary>C: parallel callers for enqueue_single, and the node's worker slots for process and latency.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>Jobs per call for enqueue_bulk (and for queueing the process backlog).</summary>
    public int BulkSize { get; set; } = 1_000;

    /// <summary>Jobs of the latency measure.</summary>
    public int LatencyJobs { get; set; } = 200;

    /// <summary>Time between two enqueues of the latency measure.</summary>
    public TimeSpan LatencySpacing { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Node processes for the process measure: 0 runs the node in this process; K &gt; 0 starts K node processes
    /// (through an <see cref="IBenchNodeLauncher"/>) to measure how the store scales out.
    /// </summary>
    public int Nodes { get; set; }

    /// <summary>How many times each measure is taken; the result reports the median and the range.</summary>
    public int Runs { get; set; } = 1;

    /// <summary>Which measures to take, in this order.</summary>
    public IReadOnlyList<BenchMeasure> Measures { get; set; } = BenchMeasureNames.All;

    /// <summary>The most latency jobs one run records.</summary>
    public const int MaxLatencyJobs = 4000;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (Jobs < 1) throw new ArgumentOutOfRangeException(nameof(Jobs), Jobs, "jobs must be at least 1");
        if (Concurrency < 1) throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, "concurrency must be at least 1");
        if (BulkSize < 1) throw new ArgumentOutOfRangeException(nameof(BulkSize), BulkSize, "bulk size must be at least 1");
        if (LatencyJobs is < 1 or > MaxLatencyJobs) throw new ArgumentOutOfRangeException(nameof(LatencyJobs), LatencyJobs, $"latency jobs must be 1–{MaxLatencyJobs}");
        if (LatencySpacing < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(LatencySpacing), LatencySpacing, "spacing must not be negative");
        if (Runs is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(Runs), Runs, "runs must be 1–100");
        if (Nodes < 0) throw new ArgumentOutOfRangeException(nameof(Nodes), Nodes, "nodes must not be negative");
        if (Measures.Count == 0) throw new ArgumentException("choose at least one measure", nameof(Measures));
    }
}
