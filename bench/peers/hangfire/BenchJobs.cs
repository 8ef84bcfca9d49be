using System.Diagnostics;

namespace Conveyor.Peers.Hangfire;

/// <summary>The jobs Hangfire runs: public and static, as its expression-based enqueue requires.</summary>
public static class BenchJobs
{
    private static int _ran;
    private static double[] _latencies = [];

    /// <summary>Jobs run since the last <see cref="Reset"/>.</summary>
    public static int Ran => Volatile.Read(ref _ran);

    public static void Noop() => Interlocked.Increment(ref _ran);

    /// <summary>The latency job: <paramref name="sentAt"/> is the <see cref="Stopwatch"/> timestamp taken just before its enqueue.</summary>
    public static void Started(int index, long sentAt)
    {
        var latencies = _latencies;
        if (index < 0 || index >= latencies.Length || latencies[index] >= 0) return;
        latencies[index] = Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
        Interlocked.Increment(ref _ran);
    }

    public static void Reset(int latencySlots = 0)
    {
        _latencies = Enumerable.Repeat(-1.0, latencySlots).ToArray();
        Volatile.Write(ref _ran, 0);
    }

    public static double[] Latencies => _latencies;
}
