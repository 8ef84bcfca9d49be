using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// IQueueSettingsStore: one record per queue, read by the claim.
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task PausedQueue_YieldsNoClaims_UntilResumed()
    {
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New(queue: "other"));

        await Store.SetQueuePausedAsync(new SetQueuePausedParams(TestJobs.Queue, Paused: true));
        (await ClaimAsync()).ShouldBeEmpty();
        (await ClaimAsync(queue: "other")).Select(c => c.Id).ShouldBe([ids[1]]);
        (await Store.ListQueuesAsync(new ListQueuesParams())).Single(q => q.Name == TestJobs.Queue).Paused.ShouldBeTrue();

        await Store.SetQueuePausedAsync(new SetQueuePausedParams(TestJobs.Queue, Paused: false));
        (await Store.ListQueuesAsync(new ListQueuesParams())).Single(q => q.Name == TestJobs.Queue).Paused.ShouldBeFalse();
        (await ClaimAsync()).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task PausingAQueueWithoutJobs_ListsItPaused_AndHoldsItsFutureJobs()
    {
        await Store.SetQueuePausedAsync(new SetQueuePausedParams("empty", Paused: true));

        var queue = (await Store.ListQueuesAsync(new ListQueuesParams())).Single(q => q.Name == "empty");
        queue.Paused.ShouldBeTrue();
        JobStates.All.ShouldAllBe(s => queue.Counts[s] == 0);

        await InsertAsync(TestJobs.New(queue: "empty"));
        (await ClaimAsync(queue: "empty")).ShouldBeEmpty();
    }
}
