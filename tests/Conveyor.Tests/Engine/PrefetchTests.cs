using Conveyor.Storage;
using Conveyor.Storage.Memory;
using Conveyor.Tests.Support;

namespace Conveyor.Tests.Engine;

// The dispatcher's prefetch with a real node: what it claims, that the store's rules hold with it, and what a stop does
// with jobs it holds but has not started.
public sealed class PrefetchTests
{
    private const int Slots = 4;

    [Fact]
    public async Task ShortJobsFlowingFast_AreClaimedBeyondTheFreeSlots_NeverMoreThanSlotsPlusTheLargestPrefetch()
    {
        var (store, recorder) = RecordingStore.Wrap(new MemoryJobStore());
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => Task.CompletedTask), w => w.Queue("default", Slots), store);
        var ids = await EnqueueAsync(node, 20_000, _ => new JobRequest("test.noop"));
        await node.StartAsync();

        await WaitAllSucceededAsync(node, ids);

        var limits = recorder.ParametersOf<ClaimJobsParams>().Select(c => c.Limit).ToList();
        limits.ShouldContain(l => l > Slots, "some claim asked for more than the slots: the node prefetched");
        limits.ShouldAllBe(l => l >= 1 && l <= Slots + 1000);
    }

    [Fact]
    public async Task WithThePrefetchOff_FastJobsToo_AreClaimedOnlyForFreeSlots()
    {
        var (store, recorder) = RecordingStore.Wrap(new MemoryJobStore());
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => Task.CompletedTask), w =>
        {
            w.Queue("default", Slots);
            w.PrefetchHorizon = TimeSpan.Zero;
        }, store);
        var ids = await EnqueueAsync(node, 5_000, _ => new JobRequest("test.noop"));
        await node.StartAsync();

        await WaitAllSucceededAsync(node, ids);

        recorder.ParametersOf<ClaimJobsParams>().ShouldAllBe(c => c.Limit >= 1 && c.Limit <= Slots);
    }

    [Fact]
    public async Task WhilePrefetching_OrderingKeysRunOneAtATimeInOrder_AndAfterWaitsForItsParent()
    {
        var (store, recorder) = RecordingStore.Wrap(new MemoryJobStore());
        var running = new int[5];
        var overlaps = 0;
        var order = Enumerable.Range(0, 5).Select(_ => new List<int>()).ToArray();
        await using var node = TestNode.Create(b => b
            .AddJob("test.noop", () => Task.CompletedTask)
            .AddJob("test.keyed", async (Add a) =>
            {
                if (Interlocked.Increment(ref running[a.B]) > 1) Interlocked.Increment(ref overlaps);
                lock (order[a.B]) order[a.B].Add(a.A);
                await Task.Yield();
                Interlocked.Decrement(ref running[a.B]);
            }), w => w.Queue("default", Slots), store);
        // Plain fast jobs first, so the node prefetches by the time the keyed ones come up; then 2,000 jobs on 5 keys.
        var plain = await EnqueueAsync(node, 5_000, _ => new JobRequest("test.noop"));
        var keyed = await EnqueueAsync(node, 2_000, i => new JobRequest("test.keyed", $$"""{"a": {{i}}, "b": {{i % 5}}}""",
            new JobOptions { OrderingKey = $"key-{i % 5}" }));
        var parent = (await node.Client.EnqueueAsync(new JobRequest("test.noop"))).Id;
        var child = (await node.Client.EnqueueAsync(new JobRequest("test.noop", "{}", new JobOptions { After = parent }))).Id;
        await node.StartAsync();

        await WaitAllSucceededAsync(node, [.. plain, .. keyed, parent, child]);

        recorder.ParametersOf<ClaimJobsParams>().ShouldContain(c => c.Limit > Slots, "the node prefetched");
        overlaps.ShouldBe(0);
        for (var k = 0; k < 5; k++) order[k].ShouldBe(Enumerable.Range(0, 2_000).Where(i => i % 5 == k).ToList(), $"key-{k} in enqueue order");
        var parentJob = await node.Client.GetAsync(parent);
        var childJob = await node.Client.GetAsync(child);
        childJob!.StartedAt.ShouldNotBeNull();
        childJob.StartedAt!.Value.ShouldBeGreaterThanOrEqualTo(parentJob!.FinishedAt!.Value);
    }

    [Fact]
    public async Task Stop_PutsPrefetchedJobsBackUncharged_AndTheyAreNotBusySlots()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gateStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = TestNode.Create(b => b
            .AddJob("test.noop", () => Task.CompletedTask)
            .AddJob("test.gate", async () =>
            {
                gateStarted.TrySetResult();
                await gate.Task;
            }), w => w.Queue("default", 1), new MemoryJobStore());
        // A stream of fast jobs builds the node's rate; one job then holds the only slot while the rest are prefetched.
        var fast = await EnqueueAsync(node, 3_000, _ => new JobRequest("test.noop"));
        var blocker = (await node.Client.EnqueueAsync(new JobRequest("test.gate"))).Id;
        var behind = await EnqueueAsync(node, 2_000, _ => new JobRequest("test.noop"));
        await node.StartAsync();
        await gateStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => node.Server.HeldJobs["default"] > 1, "jobs are prefetched behind the busy slot");
        node.Server.Slots["default"].Busy.ShouldBe(1);
        // Leased to the node like running jobs, but waiting behind the blocker for the one slot. (Jobs before it that ran
        // may still show running until the completer stores their outcome.)
        var prefetched = (await node.Client.ListAsync(new JobQuery { State = JobState.Running, Limit = 1000 })).Jobs
            .Where(j => j.Id > blocker).Select(j => j.Id).ToList();
        prefetched.ShouldNotBeEmpty();

        var stopping = node.StopAsync();
        gate.SetResult();
        await stopping;

        (await node.Client.GetAsync(blocker))!.State.ShouldBe(JobState.Succeeded);
        foreach (var id in prefetched)
        {
            var job = (await node.Client.GetAsync(id))!;
            job.State.ShouldBe(JobState.Available, $"prefetched job {id} went back instead of running during the stop");
            job.Attempt.ShouldBe(0);
            job.Errors.ShouldBeEmpty();
            job.Node.ShouldBeNull();
            job.StartedAt.ShouldBeNull();
        }
        fast.Count.ShouldBe(3_000);
        behind.Count.ShouldBe(2_000);
    }

    [Fact]
    public async Task APrefetchedJobsStartedAt_IsWhenItsHandlerStarted_NotWhenItWasClaimed()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gateStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = TestNode.Create(b => b
            .AddJob("test.noop", () => Task.CompletedTask)
            .AddJob("test.gate", async () =>
            {
                gateStarted.TrySetResult();
                await gate.Task;
            }), w => w.Queue("default", 1), new MemoryJobStore());
        await EnqueueAsync(node, 3_000, _ => new JobRequest("test.noop"));
        var blocker = (await node.Client.EnqueueAsync(new JobRequest("test.gate"))).Id;
        var behind = await EnqueueAsync(node, 500, _ => new JobRequest("test.noop"));
        await node.StartAsync();
        await gateStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => node.Server.HeldJobs["default"] > 1, "jobs are prefetched behind the busy slot");
        var prefetched = (await node.Client.ListAsync(new JobQuery { State = JobState.Running, Limit = 1000 })).Jobs
            .Where(j => j.Id > blocker).Select(j => j.Id).Min();
        // The claim's time is now in the past by this gap at least; the handler can only start after the gate opens.
        await Task.Delay(50);
        var opened = DateTimeOffset.UtcNow;
        gate.SetResult();

        await WaitAllSucceededAsync(node, behind);
        var job = (await node.Client.GetAsync(prefetched))!;
        job.StartedAt.ShouldNotBeNull();
        job.StartedAt.Value.ShouldBeGreaterThanOrEqualTo(opened.AddMilliseconds(-1));
        job.StartedAt.Value.ShouldBeLessThanOrEqualTo(job.FinishedAt!.Value);
    }

    private static async Task<List<long>> EnqueueAsync(TestNode node, int count, Func<int, JobRequest> request)
    {
        var results = await node.Client.EnqueueManyAsync(Enumerable.Range(0, count).Select(request).ToList());
        return [.. results.Select(r => r.Id)];
    }

    private static async Task WaitAllSucceededAsync(TestNode node, IEnumerable<long> ids)
    {
        foreach (var id in ids) (await node.WaitAsync(id, TimeSpan.FromSeconds(60))).State.ShouldBe(JobState.Succeeded);
    }
}
