using Conveyor.Storage;
using Conveyor.Storage.Memory;
using Conveyor.Tests.Support;
using Conveyor.Validation;

namespace Conveyor.Tests.Engine;

// The leader's chores run one by one: one that fails does not hold up the others.
public sealed class LeaderChoreTests
{
    [Fact]
    public async Task AChoreThatFailsEveryTick_DoesNotStopTheRescueOfALostJob()
    {
        var memory = new MemoryJobStore();
        var store = FailingStore.Wrap(memory, nameof(IJobStore.PromoteDueJobsAsync));
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => Task.CompletedTask), store: store);
        var id = await EnqueueLostByAGoneNodeAsync(node, memory);

        await node.StartAsync();

        var job = await node.WaitAsync(id);
        job.State.ShouldBe(JobState.Succeeded);
        job.Attempt.ShouldBe(2);
        job.Errors.ShouldHaveSingleItem().Type.ShouldBe(JobError.LeaseExpiredType);
    }

    [Theory]
    [InlineData(1000, 30_000, 30_000)] // the defaults: 30 maintenance intervals of 1 s
    [InlineData(500, 5_000, 15_000)]
    [InlineData(100, 60_000, 60_000)] // never shorter than a lease
    public void TheSuspectSpread_Is30MaintenanceIntervals_AtLeastALease(int maintenanceMs, int leaseMs, int expectedMs)
    {
        var options = new WorkerOptionsBuilder
        {
            MaintenanceInterval = TimeSpan.FromMilliseconds(maintenanceMs),
            LeaseDuration = TimeSpan.FromMilliseconds(leaseMs),
            HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Min(leaseMs / 3, 5_000)),
        }.Queue("default").Build();
        Conveyor.Maintenance.RescueExpiredLeasesChore.SuspectSpread(options).ShouldBe(TimeSpan.FromMilliseconds(expectedMs));
    }

    [Theory]
    [InlineData(1, JobState.Dead)]
    [InlineData(2, JobState.Succeeded)]
    public async Task TheRescue_BuriesAJobAtTheNodesCapOfLostLeases(int maxLostLeases, JobState expected)
    {
        var memory = new MemoryJobStore();
        var runs = 0;
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => { Interlocked.Increment(ref runs); }), w => w.MaxLostLeases = maxLostLeases, store: memory);
        var id = await EnqueueLostByAGoneNodeAsync(node, memory);

        await node.StartAsync();

        var job = await node.WaitAsync(id);
        job.State.ShouldBe(expected);
        job.Errors.ShouldHaveSingleItem().Type.ShouldBe(JobError.LeaseExpiredType);
        runs.ShouldBe(expected == JobState.Dead ? 0 : 1);
    }

    /// <summary>Enqueues a job that a node that is gone claimed, and whose lease has run out.</summary>
    private static async Task<long> EnqueueLostByAGoneNodeAsync(TestNode node, MemoryJobStore memory)
    {
        var id = (await node.Client.EnqueueAsync(new JobRequest("test.noop"))).Id;
        var now = DateTimeOffset.UtcNow;
        (await memory.ClaimAsync(new ClaimJobsParams("gone-node", Names.DefaultQueue, ["test.noop"], 1, now, now.AddMilliseconds(1))))
            .ShouldHaveSingleItem().Id.ShouldBe(id);
        return id;
    }
}
