using System.Diagnostics;

namespace Conveyor.Dispatching;

/// <summary>
/// How many jobs of one queue a node expects to start within the prefetch horizon, judged from how fast it finishes
/// them right now: the completion rate times the horizon, and none while a job takes longer than the horizon (long
/// jobs then spread over the nodes). Workers record each finished job; the claim loop alone reads the estimate.
/// </summary>
/// <remarks>
/// Rate and duration are moving averages over ~100 ms, sampled at most every 5 ms, so a node that goes idle or turns
/// to slow jobs stops prefetching within a fraction of a second. With no finished job yet there is no prefetch.
/// </remarks>
/// <param name="horizon">How far ahead to hold jobs; zero for none.</param>
/// <param name="max">The most jobs ever held beyond the slots.</param>
/// <param name="timestamp">The clock, in <see cref="Stopwatch"/> ticks (tests pass their own).</param>
internal sealed class PrefetchEstimate(TimeSpan horizon, int max, Func<long>? timestamp = null)
{
    private static readonly long SampleTicks = Stopwatch.Frequency / 200;
    private static readonly double SmoothingTicks = Stopwatch.Frequency / 10.0;

    private readonly double _horizonTicks = horizon.TotalSeconds * Stopwatch.Frequency;
    private readonly Func<long> _timestamp = timestamp ?? Stopwatch.GetTimestamp;
    private long _finished;
    private long _handlerTicks;

    // Owned by the claim loop.
    private long _sampledAt = (timestamp ?? Stopwatch.GetTimestamp)();
    private long _sampledFinished;
    private long _sampledHandlerTicks;
    private double _ratePerTick;
    private double _durationTicks = double.PositiveInfinity;

    /// <summary>The most jobs ever prefetched (0: the strict rule, only free slots).</summary>
    public int Max { get; } = horizon > TimeSpan.Zero ? max : 0;

    /// <summary>A worker finished a job whose handler ran for <paramref name="handlerTicks"/> (<see cref="Stopwatch"/> ticks).</summary>
    public void Finished(long handlerTicks)
    {
        if (Max == 0) return;
        Interlocked.Increment(ref _finished);
        Interlocked.Add(ref _handlerTicks, handlerTicks);
    }

    /// <summary>The jobs to hold beyond the free slots now (the claim loop only).</summary>
    public int Current()
    {
        if (Max == 0) return 0;
        var now = _timestamp();
        var elapsed = now - _sampledAt;
        if (elapsed >= SampleTicks)
        {
            var finished = Interlocked.Read(ref _finished);
            var handlerTicks = Interlocked.Read(ref _handlerTicks);
            var count = finished - _sampledFinished;
            var weight = 1 - Math.Exp(-elapsed / SmoothingTicks);
            _ratePerTick += weight * ((double)count / elapsed - _ratePerTick);
            if (count > 0)
            {
                var duration = (double)(handlerTicks - _sampledHandlerTicks) / count;
                _durationTicks = double.IsPositiveInfinity(_durationTicks) ? duration : _durationTicks + (weight * (duration - _durationTicks));
            }
            _sampledAt = now;
            _sampledFinished = finished;
            _sampledHandlerTicks = handlerTicks;
        }
        if (_durationTicks >= _horizonTicks) return 0;
        return (int)Math.Min(Max, _ratePerTick * _horizonTicks);
    }
}
