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
        await using var scene = await BlockedSlotScene.StartAsync(behind: 2_000);
        scene.Node.Server.Slots["default"].Busy.ShouldBe(1);

        var stopping = scene.Node.StopAsync();
        scene.Gate.SetResult();
        await stopping;

        (await scene.Node.Client.GetAsync(scene.Blocker))!.State.ShouldBe(JobState.Succeeded);
        foreach (var id in scene.Prefetched)
        {
            var job = (await scene.Node.Client.GetAsync(id))!;
            job.State.ShouldBe(JobState.Available, $"prefetched job {id} went back instead of running during the stop");
            job.Attempt.ShouldBe(0);
            job.Errors.ShouldBeEmpty();
            job.Node.ShouldBeNull();
            job.StartedAt.ShouldBeNull();
        }
    }

    [Fact]
    public async Task APrefetchedJobsStartedAt_IsWhenItsHandlerStarted_NotWhenItWasClaimed()
    {
        await using var scene = await BlockedSlotScene.StartAsync(behind: 500);
        // The claim's time is now in the past by this gap at least; the handler can only start after the gate opens.
        await Task.Delay(50);
        var opened = DateTimeOffset.UtcNow;
        scene.Gate.SetResult();

        await WaitAllSucceededAsync(scene.Node, scene.Behind);
        var job = (await scene.Node.Client.GetAsync(scene.Prefetched.Min()))!;
        job.StartedAt.ShouldNotBeNull();
        job.StartedAt.Value.ShouldBeGreaterThanOrEqualTo(opened.AddMilliseconds(-1));
        job.StartedAt.Value.ShouldBeLessThanOrEqualTo(job.FinishedAt!.Value);
    }

    /// <summary>
    /// A node with one slot: a stream of fast jobs builds its rate, then a job waiting on <see cref="Gate"/> holds the
    /// slot while the jobs behind it are prefetched (<see cref="Prefetched"/>: leased to the node, not started).
    /// </summary>
    private sealed class BlockedSlotScene : IAsyncDisposable
    {
        public required TestNode Node { get; init; }
        public required TaskCompletionSource Gate { get; init; }
        public required long Blocker { get; init; }
        public required List<long> Behind { get; init; }
        public required List<long> Prefetched { get; init; }

        public static async Task<BlockedSlotScene> StartAsync(int behind)
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var gateStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var node = TestNode.Create(b => b
                .AddJob("test.noop", () => Task.CompletedTask)
                .AddJob("test.gate", async () =>
                {
                    gateStarted.TrySetResult();
                    await gate.Task;
                }), w => w.Queue("default", 1), new MemoryJobStore());
            await EnqueueAsync(node, 3_000, _ => new JobRequest("test.noop"));
            var blocker = (await node.Client.EnqueueAsync(new JobRequest("test.gate"))).Id;
            var behindIds = await EnqueueAsync(node, behind, _ => new JobRequest("test.noop"));
            await node.StartAsync();
            await gateStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Eventually.HoldsAsync(() => node.Server.HeldJobs["default"] > 1, "jobs are prefetched behind the busy slot");
            // Leased like running jobs but waiting behind the blocker for the one slot. (Jobs before it that ran may
            // still show running until the completer stores their outcome.)
            var prefetched = (await node.Client.ListAsync(new JobQuery { State = JobState.Running, Limit = 1000 })).Jobs
                .Where(j => j.Id > blocker).Select(j => j.Id).ToList();
            prefetched.ShouldNotBeEmpty();
            return new BlockedSlotScene { Node = node, Gate = gate, Blocker = blocker, Behind = behindIds, Prefetched = prefetched };
        }

        public async ValueTask DisposeAsync()
        {
            Gate.TrySetResult();
            await Node.DisposeAsync();
        }
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
