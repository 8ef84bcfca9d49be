using System.Collections.Concurrent;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Postgres.Tests;

/// <summary>
/// Claims carried by enqueues (<see cref="IEnqueueClaimer"/>) with a real node that gets jobs enqueued in its
/// process. The store's side of the capability is in the conformance suite (StoreConformanceTests.Optional.EnqueueClaims).
/// </summary>
public sealed class ClaimWithEnqueueTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task IdleNode_GetsAJobEnqueuedInItsProcess_WithTheEnqueuesClaim_UnlessTurnedOff(bool claimWithEnqueues)
    {
        await using var schema = new TempSchema();
        // A long poll: nothing but an enqueue wakes the node, so it is asleep whenever the next enqueue comes, its
        // claim offered to that enqueue (or, with offers off, waiting for the enqueue's wake-up).
        await using (var node = await CountingNode.StartAsync(schema, w =>
        {
            w.Queue("default", 4);
            w.ClaimWithEnqueues = claimWithEnqueues;
            w.PollInterval = TimeSpan.FromMinutes(5);
        }))
        {
            for (var i = 0; i < 5; i++)
            {
                await node.Client.EnqueueAsync(new JobRequest("test.count", $$"""{"n":{{i}}}"""));
                await node.WaitForAsync(i + 1);
            }
            await node.StopAsync();
            node.Started.Order().ShouldBe([0, 1, 2, 3, 4]);
            node.Server.ClaimedWithEnqueues.ShouldBe(claimWithEnqueues ? 5 : 0);
        }
    }

    [Fact]
    public async Task AnEnqueueWhoseClaimTookEveryNewJob_WakesNoOtherNode_OneThatLeftAJob_Does()
    {
        await using var schema = new TempSchema();
        await using var node = await CountingNode.StartAsync(schema, w => { w.Queue("default", 4); w.PollInterval = TimeSpan.FromMinutes(5); });
        var other = schema.OpenStore();
        var woken = new ConcurrentQueue<string>();
        await using var subscription = await other.Notifier!.SubscribeAsync(woken.Enqueue);

        await node.Client.EnqueueAsync(new JobRequest("test.count", """{"n":1}"""));
        await node.WaitForAsync(1);
        // A NOTIFY the node's store sent for that enqueue would reach the listener before a later store's.
        await schema.OpenStore().InsertAsync(Jobs.New("sentinel"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!woken.Contains("sentinel") && DateTime.UtcNow < deadline)
            await Task.Delay(10);

        node.Server.ClaimedWithEnqueues.ShouldBe(1);
        woken.ShouldBe(["sentinel"]);

        // A kind this node does not run: its claim rides along but takes nothing, so the other nodes are told.
        await node.Client.EnqueueAsync(new JobRequest("test.elsewhere", "{}"));
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!woken.Contains("default") && DateTime.UtcNow < deadline)
            await Task.Delay(10);

        woken.ShouldContain("default");
    }

    [Fact]
    public async Task IdleNode_AfterAnEnqueuesClaimTookEverySlot_ClaimsTheRestWithoutWaitingForThePoll()
    {
        await using var schema = new TempSchema();
        // Two slots and a poll no test waits for: only claims that follow the first ones can finish the ten jobs.
        await using var node = await CountingNode.StartAsync(schema, w => { w.Queue("default", 2); w.PollInterval = TimeSpan.FromMinutes(5); });

        await node.Client.EnqueueManyAsync([.. Enumerable.Range(0, 10).Select(i => new JobRequest("test.count", $$"""{"n":{{i}}}"""))]);
        await node.WaitForAsync(10);
        await node.StopAsync();

        node.Started.Order().ShouldBe(Enumerable.Range(0, 10));
        node.Server.ClaimedWithEnqueues.ShouldBe(2);
    }

    [Fact]
    public async Task ConcurrentEnqueues_WhileTheNodeTurnsIdleAndBusy_RunEveryJobOnce()
    {
        await using var schema = new TempSchema();
        // A long poll: every job must be claimed by the loop after a wake-up or by an enqueue's claim.
        await using var node = await CountingNode.StartAsync(schema, w => { w.Queue("default", 4); w.PollInterval = TimeSpan.FromMinutes(5); });

        // Eight callers with pauses between their enqueues, so the node keeps passing between idle (claims ride
        // along) and busy (the loop claims) while enqueues race both.
        var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await node.Client.EnqueueAsync(new JobRequest("test.count", $$"""{"n":{{c * 1000 + i}}}"""));
                await Task.Delay(Random.Shared.Next(0, 4));
            }
        }));
        await Task.WhenAll(callers);
        await node.WaitForAsync(320);
        await node.StopAsync();

        node.Started.Order().ShouldBe(Enumerable.Range(0, 8).SelectMany(c => Enumerable.Range(c * 1000, 40)));
        node.Server.ClaimedWithEnqueues.ShouldBeGreaterThan(0);
        var counts = (await schema.OpenStore().ListQueuesAsync(new ListQueuesParams())).Single().Counts;
        counts[JobState.Succeeded].ShouldBe(320);
    }

    [Fact]
    public async Task JobsOfOneOrderingKey_EnqueuedTogetherWhileIdle_RunOneAfterAnother()
    {
        await using var schema = new TempSchema();
        await using var node = await CountingNode.StartAsync(schema, w => { w.Queue("default", 4); w.PollInterval = TimeSpan.FromMinutes(5); });

        // Keyed jobs are written with their key's lock held, not combined; the claim riding on that write may take
        // only the first of the key, and each next one becomes claimable when the one before it succeeded.
        await node.Client.EnqueueManyAsync([.. Enumerable.Range(0, 5).Select(i =>
            new JobRequest("test.count", $$"""{"n":{{i}}}""", new JobOptions { OrderingKey = "k" }))]);
        await node.WaitForAsync(5);
        await node.StopAsync();

        node.StartOrder.ShouldBe([0, 1, 2, 3, 4]);
        node.Server.ClaimedWithEnqueues.ShouldBe(1);
    }

    private sealed record Counted(int N);

    /// <summary>A node on the schema with a handler that records which job started; started, then left idle.</summary>
    private sealed class CountingNode : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private bool _stopped;

        private CountingNode(TempSchema schema, Action<WorkerOptionsBuilder> worker)
        {
            var services = new ServiceCollection();
            services.AddConveyor(o => o.UseStore(schema.OpenStore()))
                .AddJob("test.count", (Counted args) => { Started.Add(args.N); StartOrder.Enqueue(args.N); return Task.CompletedTask; })
                .AddWorker(worker);
            _provider = services.BuildServiceProvider();
            Server = _provider.GetRequiredService<JobServer>();
            Client = _provider.GetRequiredService<JobClient>();
        }

        public ConcurrentBag<int> Started { get; } = [];
        public ConcurrentQueue<int> StartOrder { get; } = new();
        public JobServer Server { get; }
        public JobClient Client { get; }

        public static async Task<CountingNode> StartAsync(TempSchema schema, Action<WorkerOptionsBuilder> worker)
        {
            var node = new CountingNode(schema, worker);
            await node.Server.StartAsync(CancellationToken.None);
            // The node's first claim finds nothing; once the server has answered it, the node sleeps idle.
            await schema.UntilCountAsync(
                $"SELECT count(*) FROM pg_stat_activity WHERE state = 'idle' AND position('{schema.Name}' in query) > 0 AND position('SET state = ''running''' in query) > 0",
                1, "sessions whose last statement was a claim");
            return node;
        }

        /// <summary>Waits (at most 30 s) until <paramref name="count"/> jobs started; the caller's assertions say whether they did.</summary>
        public async Task WaitForAsync(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Started.Count < count && DateTime.UtcNow < deadline)
                await Task.Delay(5);
        }

        public async Task StopAsync()
        {
            if (_stopped) return;
            _stopped = true;
            await Server.StopAsync(CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await _provider.DisposeAsync();
        }
    }
}
