using System.Diagnostics;
using Conveyor.Dispatching;

namespace Conveyor.Tests.Engine;

// The prefetch rule of CONTRACT.md: free slots plus what the node expects to start within the horizon at its current
// completion rate; nothing for jobs longer than the horizon, nothing before a job finished, nothing when switched off.
public sealed class PrefetchEstimateTests
{
    private static readonly TimeSpan Horizon = TimeSpan.FromMilliseconds(10);
    private long _now = 1_000_000;

    private static long Ticks(double milliseconds) => (long)(milliseconds * Stopwatch.Frequency / 1000);

    private PrefetchEstimate New(int max = 1000, TimeSpan? horizon = null) => new(horizon ?? Horizon, max, () => _now);

    /// <summary>Finishes <paramref name="jobs"/> jobs of <paramref name="handlerMs"/> each, spread over <paramref name="overMs"/>, sampling as the claim loop would.</summary>
    private void Run(PrefetchEstimate estimate, int jobs, double handlerMs, double overMs, int samples = 20)
    {
        for (var s = 0; s < samples; s++)
        {
            for (var j = 0; j < jobs / samples; j++) estimate.Finished(Ticks(handlerMs));
            _now += Ticks(overMs / samples);
            estimate.Current();
        }
    }

    [Fact]
    public void BeforeAnyJobFinished_NothingIsPrefetched()
    {
        var estimate = New();
        _now += Ticks(50);
        estimate.Current().ShouldBe(0);
    }

    [Fact]
    public void ShortJobsFlowingFast_ArePrefetched_AsManyAsStartWithinTheHorizon()
    {
        var estimate = New();
        // 16 workers finishing 50 µs jobs: 20,000 jobs/s over a second, so ~200 start within 10 ms.
        Run(estimate, jobs: 20_000, handlerMs: 0.05, overMs: 1000, samples: 100);
        estimate.Current().ShouldBeInRange(180, 220);
    }

    [Fact]
    public void ThePrefetch_IsCappedAtItsMaximum()
    {
        var estimate = New(max: 32);
        Run(estimate, jobs: 20_000, handlerMs: 0.05, overMs: 1000, samples: 100);
        estimate.Current().ShouldBe(32);
    }

    [Fact]
    public void JobsLongerThanTheHorizon_AreNeverPrefetched_HoweverManyFinish()
    {
        var estimate = New();
        // 8 workers on 20 ms jobs: 400 jobs/s, which alone would make 4 within 10 ms.
        Run(estimate, jobs: 400, handlerMs: 20, overMs: 1000);
        estimate.Current().ShouldBe(0);
    }

    [Fact]
    public void ANodeThatTurnsToLongJobs_StopsPrefetching_WithinAFractionOfASecond()
    {
        var estimate = New();
        Run(estimate, jobs: 20_000, handlerMs: 0.05, overMs: 1000, samples: 100);
        estimate.Current().ShouldBeGreaterThan(0);

        Run(estimate, jobs: 60, handlerMs: 50, overMs: 300, samples: 30);

        estimate.Current().ShouldBe(0);
    }

    [Fact]
    public void AfterAnIdleSpell_TheRateHasDecayed()
    {
        var estimate = New();
        Run(estimate, jobs: 20_000, handlerMs: 0.05, overMs: 1000, samples: 100);
        _now += Ticks(1000);
        estimate.Current().ShouldBe(0);
    }

    [Fact]
    public void AZeroHorizon_IsTheStrictRule()
    {
        var estimate = New(horizon: TimeSpan.Zero);
        estimate.Max.ShouldBe(0);
        Run(estimate, jobs: 20_000, handlerMs: 0.05, overMs: 1000, samples: 100);
        estimate.Current().ShouldBe(0);
    }
}
