using Conveyor.Tests.Support;

namespace Conveyor.Tests.Engine;

/// <summary>Queues sharing one pool of slots on a node: caps, weights, no starvation, and the pool as a hard bound.</summary>
public sealed class FairQueueTests
{
    /// <summary>Counts the jobs running now per queue and on the node, and the most ever at once.</summary>
    private sealed class Gauge
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, int> _running = [];
        private readonly Dictionary<string, int> _started = [];

        public int Peak { get; private set; }

        public int Running(string queue) { lock (_lock) return _running.GetValueOrDefault(queue); }

        public int Started(string queue) { lock (_lock) return _started.GetValueOrDefault(queue); }

        public void Start(string queue)
        {
            lock (_lock)
            {
                _running[queue] = _running.GetValueOrDefault(queue) + 1;
                _started[queue] = _started.GetValueOrDefault(queue) + 1;
                Peak = Math.Max(Peak, _running.Values.Sum());
            }
        }

        public void End(string queue) { lock (_lock) _running[queue]--; }
    }

    private static TestNode Node(Gauge gauge, Func<Task> work, Action<WorkerOptionsBuilder> worker) =>
        TestNode.Create(b => b.AddJob("test.work", async (JobContext ctx) =>
        {
            gauge.Start(ctx.Queue);
            try { await work(); }
            finally { gauge.End(ctx.Queue); }
        }), worker);

    private static Task EnqueueAsync(TestNode node, string queue, int count) =>
        node.Client.EnqueueManyAsync([.. Enumerable.Range(0, count).Select(_ => new JobRequest("test.work", "{}", new JobOptions { Queue = queue }))]);

    [Fact]
    public void Options_PoolIsTheSumOfTheCaps_UnlessGiven_AndAQueueWithoutNumberIsCappedByThePool()
    {
        var own = new WorkerOptionsBuilder().Queue("a", 3).Queue("b", 1).Build();
        own.Concurrency.ShouldBe(4);
        own.Queues["a"].ShouldBe(3);
        own.QueueWeights["a"].ShouldBe(3);
        own.QueueWeights["b"].ShouldBe(1);

        var shared = new WorkerOptionsBuilder { Concurrency = 16 }.Queue("a").Queue("b", weight: 2).Queue("c", 4).Build();
        shared.Concurrency.ShouldBe(16);
        shared.Queues.ShouldBe(new Dictionary<string, int> { ["a"] = 16, ["b"] = 16, ["c"] = 4 }, ignoreOrder: true);
        shared.QueueWeights["b"].ShouldBe(2);

        new WorkerOptionsBuilder().Build().Concurrency.ShouldBe(WorkerOptions.DefaultConcurrency);
        Should.Throw<InvalidOperationException>(() => new WorkerOptionsBuilder { Concurrency = 2 }.Queue("a", 3).Build())
            .Message.ShouldBe("queue 'a' allows 3 slots but the node's pool has only 2 (Concurrency)");
        Should.Throw<ArgumentOutOfRangeException>(() => new WorkerOptionsBuilder().Queue("a", weight: 0));
    }

    [Fact]
    public async Task AQueueAlone_UsesTheWholePool_AndTheNodeNeverRunsMoreThanThePool()
    {
        var gauge = new Gauge();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = Node(gauge, () => gate.Task, w => { w.Concurrency = 4; w.Queue("a").Queue("b"); });
        await EnqueueAsync(node, "a", 10);
        await node.StartAsync();

        await Eventually.HoldsAsync(() => gauge.Running("a") == 4, "queue a runs on all 4 slots");
        await EnqueueAsync(node, "b", 10);
        await Eventually.HoldsAsync(() => node.Server.Slots["b"] is { Slots: 4 }, "b reports its cap");
        node.Server.Slots["b"].Busy.ShouldBe(0);
        gate.SetResult();
        await Eventually.HoldsAsync(() => gauge.Started("a") + gauge.Started("b") == 20, "every job ran");

        gauge.Peak.ShouldBe(4);
    }

    [Fact]
    public async Task AFloodedQueue_DoesNotStarveAQuietOne_ItsJobStartsWithTheNextFreedSlot()
    {
        var gauge = new Gauge();
        await using var node = Node(gauge, () => Task.Delay(50), w => { w.Concurrency = 4; w.Queue("flood").Queue("quiet"); });
        await EnqueueAsync(node, "flood", 400);
        await node.StartAsync();
        await Eventually.HoldsAsync(() => gauge.Running("flood") == 4, "the flood fills the pool");

        var started = System.Diagnostics.Stopwatch.StartNew();
        var quiet = await node.Client.EnqueueAsync(new JobRequest("test.work", "{}", new JobOptions { Queue = "quiet" }));
        await Eventually.HoldsAsync(() => gauge.Started("quiet") == 1, "the quiet queue's job starts");
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
        (await node.WaitAsync(quiet.Id)).State.ShouldBe(JobState.Succeeded);

        gauge.Started("flood").ShouldBeLessThan(400, "the quiet job did not wait for the flood to drain");
        gauge.Peak.ShouldBe(4);
    }

    [Fact]
    public async Task UnderLoad_TheQueuesShareThePool_ByTheirWeights()
    {
        var gauge = new Gauge();
        await using var node = Node(gauge, () => Task.Delay(20), w => { w.Concurrency = 4; w.Queue("a", weight: 3).Queue("b", weight: 1); });
        await EnqueueAsync(node, "a", 2000);
        await EnqueueAsync(node, "b", 2000);
        await node.StartAsync();

        // Sampled while both queues have plenty waiting.
        await Eventually.HoldsAsync(() => gauge.Started("a") + gauge.Started("b") >= 40, "both queues warm");
        var (a0, b0) = (gauge.Started("a"), gauge.Started("b"));
        await Eventually.HoldsAsync(() => gauge.Started("a") + gauge.Started("b") >= a0 + b0 + 200, "200 more jobs");
        var (a, b) = (gauge.Started("a") - a0, gauge.Started("b") - b0);

        ((double)a / b).ShouldBeInRange(2.0, 4.5, $"a started {a}, b {b}");
        gauge.Peak.ShouldBe(4);
    }
}
