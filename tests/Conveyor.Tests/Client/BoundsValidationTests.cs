using Conveyor.Tests.Support;
using Conveyor.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Client;

/// <summary>The smallest job timeout, and the longest worker timings, are refused up front with the field's name.</summary>
public sealed class BoundsValidationTests
{
    private static TestNode Node() => TestNode.Create(b => b.AddJob("x", () => { }));

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.999)]
    public async Task Timeout_ShorterThanOneMillisecond_IsRejected_AndNothingIsStored(double milliseconds)
    {
        await using var node = Node();
        var options = new JobOptions { Timeout = TimeSpan.FromMilliseconds(milliseconds) };

        var error = await Should.ThrowAsync<JobValidationException>(() => node.Client.EnqueueAsync(new JobRequest("x", "{}", options)));

        error.Field.ShouldBe("timeout");
        error.Reason.ShouldContain("at least 1 ms");
        (await node.Client.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }

    [Fact]
    public async Task Timeout_OfOneMillisecond_IsAccepted()
    {
        await using var node = Node();

        var result = await node.Client.EnqueueAsync(new JobRequest("x", "{}", new JobOptions { Timeout = TimeSpan.FromMilliseconds(1), Delay = TimeSpan.FromHours(1) }));

        (await node.Client.GetAsync(result.Id)).ShouldNotBeNull().Timeout.ShouldBe(TimeSpan.FromMilliseconds(1));
    }

    public static TheoryData<string, Action<WorkerOptionsBuilder>> TooLongTimings => new()
    {
        { "HeartbeatInterval", w => { w.HeartbeatInterval = TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1); w.LeaseDuration = TimeSpan.FromDays(7); } },
        { "PollInterval", w => w.PollInterval = TimeSpan.FromDays(30) },
        { "MaintenanceInterval", w => { w.MaintenanceInterval = TimeSpan.FromDays(2); w.LeaderLeaseDuration = TimeSpan.FromDays(7); } },
        { "LeaseDuration", w => w.LeaseDuration = TimeSpan.FromDays(3_000_000) },
        { "LeaderLeaseDuration", w => w.LeaderLeaseDuration = TimeSpan.FromDays(8) },
        { "AffinityGrace", w => w.AffinityGrace = TimeSpan.FromDays(3_000_000) },
        { "ShutdownTimeout", w => w.ShutdownTimeout = TimeSpan.FromDays(3_000_000) },
        { "CancelGrace", w => w.CancelGrace = TimeSpan.FromDays(50) },
        { "DefaultTimeout", w => w.DefaultTimeout = TimeSpan.FromDays(8) },
    };

    [Theory]
    [MemberData(nameof(TooLongTimings))]
    public void WorkerTimings_BeyondTheirBound_AreRejectedAtSetup_NamingTheSetting(string name, Action<WorkerOptionsBuilder> set)
    {
        var builder = new ServiceCollection().AddConveyor(o => o.UseInMemory());

        var error = Should.Throw<InvalidOperationException>(() => builder.AddWorker(set));

        error.Message.ShouldStartWith($"{name} must be at most");
    }

    [Fact]
    public void WorkerTimings_AtTheirBounds_AreAccepted()
    {
        var builder = new ServiceCollection().AddConveyor(o => o.UseInMemory());

        Should.NotThrow(() => builder.AddWorker(w =>
        {
            w.HeartbeatInterval = TimeSpan.FromDays(1);
            w.PollInterval = TimeSpan.FromDays(1);
            w.MaintenanceInterval = TimeSpan.FromDays(1);
            w.LeaseDuration = TimeSpan.FromDays(7);
            w.LeaderLeaseDuration = TimeSpan.FromDays(7);
            w.AffinityGrace = TimeSpan.FromDays(7);
            w.ShutdownTimeout = TimeSpan.FromDays(7);
            w.CancelGrace = TimeSpan.FromDays(7);
            w.DefaultTimeout = TimeSpan.FromDays(7);
        }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public void MaxLostLeases_OutsideOneToAThousand_IsRejectedAtSetup(int value)
    {
        var builder = new ServiceCollection().AddConveyor(o => o.UseInMemory());

        var error = Should.Throw<InvalidOperationException>(() => builder.AddWorker(w => w.MaxLostLeases = value));

        error.Message.ShouldStartWith($"MaxLostLeases must be 1–1000 (got {value})");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void MaxLostLeases_AtItsBounds_IsAccepted(int value)
    {
        var builder = new ServiceCollection().AddConveyor(o => o.UseInMemory());

        Should.NotThrow(() => builder.AddWorker(w => w.MaxLostLeases = value));
    }
}
