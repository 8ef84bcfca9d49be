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

    [Fact]
    public void MaxDelay_BoundsTheDelayWithItsJitter()
    {
        var policy = new RetryPolicy();
        policy.DelayAfter(40, 0.999).ShouldBeLessThanOrEqualTo(RetryPolicy.DefaultMaxDelay);
        foreach (var attempt in new[] { 1, 5, 12, 13, 20, 41, 1000 })
        {
            foreach (var random in new[] { 0, 0.25, 0.5, 0.75, 0.999, 1 })
                policy.DelayAfter(attempt, random).ShouldBeLessThanOrEqualTo(policy.MaxDelay, $"attempt {attempt}, random {random}");
        }
    }

    [Fact]
    public void Jitter_AtTheMaximum_SpreadsDelaysBelowIt()
    {
        var policy = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(100), Jitter = 0.2 };
        policy.DelayAfter(30, 0).ShouldBe(TimeSpan.FromSeconds(80));
        policy.DelayAfter(30, 0.5).ShouldBe(TimeSpan.FromSeconds(90));
        policy.DelayAfter(30, 1).ShouldBe(TimeSpan.FromSeconds(100));

        // Attempt 7 (64 s) is below the maximum, but its upper jitter (76.8 s) is not cut: the window is 51.2–76.8 s.
        policy.DelayAfter(7, 1).ShouldBe(TimeSpan.FromSeconds(76.8));
        // Attempt 8 (128 s) is past it: its window is 80–100 s.
        policy.DelayAfter(8, 0).ShouldBe(TimeSpan.FromSeconds(80));
    }
}
