namespace Conveyor.Tests.Core;

public sealed class RetryPolicyTests
{
    [Fact]
    public void Delay_DoublesPerAttempt_UpToTheMaximum()
    {
        var policy = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10), Jitter = 0 };
        policy.DelayAfter(1, 0.5).ShouldBe(TimeSpan.FromSeconds(1));
        policy.DelayAfter(2, 0.5).ShouldBe(TimeSpan.FromSeconds(2));
        policy.DelayAfter(4, 0.5).ShouldBe(TimeSpan.FromSeconds(8));
        policy.DelayAfter(5, 0.5).ShouldBe(TimeSpan.FromSeconds(10));
        policy.DelayAfter(500, 0.5).ShouldBe(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Jitter_SpreadsDelaysWithinItsBounds()
    {
        var policy = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(4), Jitter = 0.25 };
        policy.DelayAfter(1, 0).ShouldBe(TimeSpan.FromSeconds(3));
        policy.DelayAfter(1, 1).ShouldBe(TimeSpan.FromSeconds(5));
        policy.DelayAfter(1, 0.5).ShouldBe(TimeSpan.FromSeconds(4));
    }
}
