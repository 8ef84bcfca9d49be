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
        var id = (await node.Client.EnqueueAsync(new JobRequest("test.noop"))).Id;
        // A node that is gone: it claimed the job, and its lease has run out.
        var now = DateTimeOffset.UtcNow;
        (await memory.ClaimAsync(new ClaimJobsParams("gone-node", Names.DefaultQueue, ["test.noop"], 1, now, now.AddMilliseconds(1))))
            .ShouldHaveSingleItem().Id.ShouldBe(id);

        await node.StartAsync();

        var job = await node.WaitAsync(id);
        job.State.ShouldBe(JobState.Succeeded);
        job.Attempt.ShouldBe(2);
        job.Errors.ShouldHaveSingleItem().Type.ShouldBe(JobError.LeaseExpiredType);
    }
}
