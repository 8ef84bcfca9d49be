using Conveyor.Bench;

namespace Conveyor.Cli.Tests;

/// <summary>The stall check of the bench's waits, on a clock the test moves.</summary>
public sealed class StallGuardTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Ticks;
        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    [Fact]
    public void Progress_KeepsTheWaitGoing_AndACountThatStandsStillPastTheLimit_Fails()
    {
        var clock = new ManualClock();
        var guard = new StallGuard("process", TimeSpan.FromSeconds(60), clock);

        guard.Check(0);
        clock.Advance(TimeSpan.FromSeconds(59));
        guard.Check(0);
        guard.Check(10); // moved: the minute starts again
        clock.Advance(TimeSpan.FromSeconds(59));
        guard.Check(10);
        clock.Advance(TimeSpan.FromSeconds(2));

        var stalled = Should.Throw<TimeoutException>(() => guard.Check(10));
        stalled.Message.ShouldBe("process stalled: no job finished for 61 s (10 done); is the store still reachable?");
    }
}
