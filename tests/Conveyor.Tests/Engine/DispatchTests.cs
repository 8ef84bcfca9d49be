using Conveyor.Storage;
using Conveyor.Storage.Memory;
using Conveyor.Tests.Support;

namespace Conveyor.Tests.Engine;

public sealed class DispatchTests
{
    [Fact]
    public async Task SlotsReservedForAClaimInFlight_AreNotReportedBusy()
    {
        // The heartbeat reports busy slots: an idle node whose poll claim is out must say 0, not every slot.
        var store = new SlowCompletionsStore(TimeSpan.Zero) { HoldClaims = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = TestNode.Create(b => b.AddJob("test.busy", async () => { running.TrySetResult(); await finish.Task; }), w => w.Queue("default", 3), store);
        await node.StartAsync();
        NodeQueueSlots whileClaiming;
        try
        {
            await store.ClaimWaiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
            whileClaiming = node.Server.Slots["default"];
            await node.Client.EnqueueAsync(new JobRequest("test.busy"));
        }
        finally
        {
            // A claim is never cancelled (leased jobs must reach a worker): let it return, or the node could not stop.
            store.HoldClaims.SetResult();
        }

        whileClaiming.ShouldBe(new NodeQueueSlots(Busy: 0, Slots: 3));
        await running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        node.Server.Slots["default"].Busy.ShouldBe(1);
        finish.SetResult();
    }

    [Fact]
    public async Task Claim_WithoutPrefetch_NeverAsksForMoreJobsThanFreeSlots()
    {
        var (store, recorder) = RecordingStore.Wrap(new MemoryJobStore());
        var gate = new TaskCompletionSource();
        await using var node = TestNode.Create(b => b.AddJob("test.wait", () => gate.Task), w =>
        {
            w.Queue("default", 4);
            w.PrefetchHorizon = TimeSpan.Zero;
        }, store);
        var ids = new List<long>();
        for (var i = 0; i < 10; i++) ids.Add((await node.Client.EnqueueAsync(new JobRequest("test.wait"))).Id);
        await node.StartAsync();

        await Eventually.HoldsAsync(() => node.Server.Slots["default"].Busy == 4, "4 slots are busy");
        var queues = await node.Monitor.ListQueuesAsync();
        queues.Single().Counts[JobState.Running].ShouldBe(4);
        gate.SetResult();
        foreach (var id in ids) (await node.WaitAsync(id)).State.ShouldBe(JobState.Succeeded);

        var claims = recorder.ParametersOf<ClaimJobsParams>().ToList();
        claims.ShouldNotBeEmpty();
        claims.ShouldAllBe(c => c.Limit >= 1 && c.Limit <= 4);
        claims.First().Limit.ShouldBe(4);
    }

    [Fact]
    public async Task QueueConcurrency_IsNeverExceeded_AndQueuesAreIndependent()
    {
        var running = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        var peak = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        var sync = new object();
        await using var node = TestNode.Create(
            b => b.AddJob("test.track", async (JobContext ctx) =>
            {
                lock (sync) { running[ctx.Queue]++; peak[ctx.Queue] = Math.Max(peak[ctx.Queue], running[ctx.Queue]); }
                await Task.Delay(5);
                lock (sync) running[ctx.Queue]--;
            }),
            w => w.Queue("a", 2).Queue("b", 5));
        var requests = Enumerable.Range(0, 60).Select(i => new JobRequest("test.track", "{}", new JobOptions { Queue = i % 2 == 0 ? "a" : "b" })).ToList();
        var results = await node.Client.EnqueueManyAsync(requests);
        await node.StartAsync();

        foreach (var r in results) (await node.WaitAsync(r.Id)).State.ShouldBe(JobState.Succeeded);
        peak["a"].ShouldBeLessThanOrEqualTo(2);
        peak["b"].ShouldBeLessThanOrEqualTo(5);
        peak["b"].ShouldBeGreaterThan(2);
    }

    [Fact]
    public async Task Completions_AreBatched_FewerStoreCallsThanJobs()
    {
        var (store, recorder) = RecordingStore.Wrap(new MemoryJobStore());
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => { }), w => w.Queue("default", 16), store);
        var requests = Enumerable.Range(0, 2000).Select(_ => new JobRequest("test.noop")).ToList();
        var results = await node.Client.EnqueueManyAsync(requests);
        await node.StartAsync();

        await Eventually.HoldsAsync(async () => (await node.Monitor.ListQueuesAsync()).Single().Counts[JobState.Succeeded] == 2000, "all 2000 jobs succeeded");
        var completeCalls = recorder.ParametersOf<CompleteJobsParams>().ToList();
        completeCalls.Sum(c => c.Completions.Count).ShouldBe(2000);
        completeCalls.Count.ShouldBeLessThan(2000);
        completeCalls.Max(c => c.Completions.Count).ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task Heartbeat_ExtendsAllLeasesInOneCall()
    {
        var (store, recorder) = RecordingStore.Wrap(new MemoryJobStore());
        var gate = new TaskCompletionSource();
        await using var node = TestNode.Create(b => b.AddJob("test.wait", () => gate.Task), w => w.Queue("default", 3), store);
        for (var i = 0; i < 3; i++) await node.Client.EnqueueAsync(new JobRequest("test.wait"));
        await node.StartAsync();
        await Eventually.HoldsAsync(() => node.Server.Slots["default"].Busy == 3, "3 jobs run");

        var before = (await node.Client.ListAsync(new JobQuery { State = JobState.Running })).Jobs.Max(j => j.LeaseExpiresAt)!.Value;
        await node.Server.HeartbeatNowAsync();

        var extend = recorder.ParametersOf<ExtendLeasesParams>().Last();
        extend.JobIds.Count.ShouldBe(3);
        var after = (await node.Client.ListAsync(new JobQuery { State = JobState.Running })).Jobs;
        after.ShouldAllBe(j => j.LeaseExpiresAt >= before);
        gate.SetResult();
    }

    [Fact]
    public async Task CancellingARunningJob_CancelsItsHandlerAtTheNextHeartbeat()
    {
        var started = new TaskCompletionSource();
        var cancelled = new TaskCompletionSource();
        await using var node = TestNode.Create(b => b.AddJob("test.long", async (CancellationToken ct) =>
        {
            started.SetResult();
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { cancelled.SetResult(); throw; }
        }));
        await node.StartAsync();
        var id = (await node.Client.EnqueueAsync(new JobRequest("test.long"))).Id;
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var result = await node.Client.CancelAsync(id);
        result.Status.ShouldBe(JobChangeStatus.Done);
        await node.Server.HeartbeatNowAsync();

        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await Eventually.HoldsAsync(() => node.Server.Slots["default"].Busy == 0, "the slot is free again");
        var job = await node.Client.GetAsync(id);
        job!.State.ShouldBe(JobState.Cancelled);
    }

    [Fact]
    public async Task DelayedJob_RunsOnlyAfterItsDelay_PromotedByTheLeader()
    {
        await using var node = TestNode.Create(b => b.AddJob("test.later", () => { }));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("test.later", "{}", new JobOptions { Delay = TimeSpan.FromMilliseconds(400) }))).Id;
        (await node.Client.GetAsync(id))!.State.ShouldBe(JobState.Scheduled);
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Succeeded);
        job.StartedAt!.Value.ShouldBeGreaterThanOrEqualTo(job.RunAt);
    }

    [Fact]
    public async Task OrderingKey_RunsJobsOneAtATimeInEnqueueOrder()
    {
        var order = new List<int>();
        var concurrent = 0;
        var peak = 0;
        await using var node = TestNode.Create(
            b => b.AddJob("test.ordered", async (Add a) =>
            {
                var now = Interlocked.Increment(ref concurrent);
                lock (order) { order.Add(a.A); peak = Math.Max(peak, now); }
                await Task.Delay(2);
                Interlocked.Decrement(ref concurrent);
            }),
            w => w.Queue("default", 8));
        var requests = Enumerable.Range(0, 20).Select(i => new JobRequest("test.ordered", $$"""{"a": {{i}}, "b": 0}""", new JobOptions { OrderingKey = "account-7" })).ToList();
        var results = await node.Client.EnqueueManyAsync(requests);
        await node.StartAsync();

        foreach (var r in results) (await node.WaitAsync(r.Id)).State.ShouldBe(JobState.Succeeded);
        order.ShouldBe(Enumerable.Range(0, 20).ToList());
        peak.ShouldBe(1);
    }

    [Fact]
    public async Task SlowCompletions_HoldBackClaims_SoFinishedJobsNeverPileUpAsRunning()
    {
        const int concurrency = 4, batch = 10, jobs = 120;
        var store = new SlowCompletionsStore(TimeSpan.FromMilliseconds(100));
        await using var node = TestNode.Create(
            b => b.AddJob("test.noop", () => { }),
            w => { w.Queue("default", concurrency); w.CompletionBatchSize = batch; },
            store);
        await node.Client.EnqueueManyAsync(Enumerable.Range(0, jobs).Select(_ => new JobRequest("test.noop")).ToList());
        await node.StartAsync();

        var mostRunning = 0L;
        while (true)
        {
            var counts = (await node.Monitor.ListQueuesAsync()).Single().Counts;
            mostRunning = Math.Max(mostRunning, counts[JobState.Running]);
            if (counts[JobState.Succeeded] == jobs) break;
            await Task.Delay(5);
        }
        // Running in the store = handlers running + outcomes waiting for the slow store: at most a batch's worth beyond the slots.
        mostRunning.ShouldBeLessThanOrEqualTo(concurrency + batch);
    }

    [Fact]
    public async Task Stop_WhenOutcomesCannotBeStored_GivesUpCleanly_AndTheJobKeepsItsLease()
    {
        var store = new SlowCompletionsStore(TimeSpan.FromMilliseconds(5)) { CompletionsFail = true };
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => { }), store: store);
        var id = (await node.Client.EnqueueAsync(new JobRequest("test.noop"))).Id;
        await node.StartAsync();
        while ((await node.Client.GetAsync(id))!.State != JobState.Running) await Task.Delay(5);

        // The drain ends when this token fires: the completer stops retrying and logs what it could not store.
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await node.Server.StopAsync(giveUp.Token).WaitAsync(TimeSpan.FromSeconds(20));

        // Not stored, not lost: still running under this node's lease, which the leader rescues once it runs out.
        var job = (await node.Client.GetAsync(id))!;
        job.State.ShouldBe(JobState.Running);
        job.Node.ShouldBe(node.Server.NodeName);
    }

    [Fact]
    public async Task Stop_WithoutAToken_WhenOutcomesCannotBeStored_EndsAfterTheShutdownTimeout()
    {
        var store = new SlowCompletionsStore(TimeSpan.FromMilliseconds(5)) { CompletionsFail = true };
        // Not "await using": if the stop never ended, disposing would wait for it too and the test would hang
        // instead of failing.
        var node = TestNode.Create(b => b.AddJob("test.noop", () => { }),
            w => w.ShutdownTimeout = TimeSpan.FromMilliseconds(300), store);
        try
        {
            var id = (await node.Client.EnqueueAsync(new JobRequest("test.noop"))).Id;
            await node.StartAsync();
            while ((await node.Client.GetAsync(id))!.State != JobState.Running) await Task.Delay(5);

            // No token: the completer's retries end one shutdown timeout after the drain instead of never.
            await node.Server.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

            (await node.Client.GetAsync(id))!.State.ShouldBe(JobState.Running);
        }
        finally
        {
            await node.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        }
    }
}
