using System.Collections.Concurrent;
using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Claim_OrdersByPriorityDescending_ThenRunAt_ThenId()
    {
        var ids = await InsertManyAsync(
            TestJobs.New(priority: 0, runAt: TestTime.At(-10)),  // 0
            TestJobs.New(priority: 5, runAt: TestTime.At(-1)),   // 1
            TestJobs.New(priority: 5, runAt: TestTime.At(-5)),   // 2
            TestJobs.New(priority: 0, runAt: TestTime.At(-10)),  // 3: ties with 0, larger id
            TestJobs.New(priority: -3, runAt: TestTime.At(-100)), // 4
            TestJobs.New(priority: 5, runAt: TestTime.At(-5)));  // 5: ties with 2, larger id

        var order = new List<long>();
        for (var i = 0; i < ids.Length; i++)
            order.AddRange((await ClaimAsync(limit: 1)).Select(c => c.Id));

        order.ShouldBe([ids[2], ids[5], ids[1], ids[0], ids[3], ids[4]]);
    }

    [Fact]
    public async Task Claim_ReturnsJobsInClaimOrder()
    {
        var ids = await InsertManyAsync(
            TestJobs.New(priority: 1), TestJobs.New(priority: 3), TestJobs.New(priority: 2), TestJobs.New(priority: 3));

        var claimed = await ClaimAsync(limit: 10);

        claimed.Select(c => c.Id).ShouldBe([ids[1], ids[3], ids[2], ids[0]]);
    }

    [Fact]
    public async Task Claim_ReturnsAtMostLimitJobs()
    {
        await InsertManyAsync([.. Enumerable.Range(0, 5).Select(_ => TestJobs.New())]);

        (await ClaimAsync(limit: 2)).Count.ShouldBe(2);
        (await ClaimAsync(limit: 10)).Count.ShouldBe(3);
        (await ClaimAsync(limit: 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Claim_OnlyReturnsJobsOfTheRequestedKinds()
    {
        var ids = await InsertManyAsync(TestJobs.New(kind: "kind.a"), TestJobs.New(kind: "kind.b"), TestJobs.New(kind: "kind.c"));

        var claimed = await ClaimAsync(kinds: ["kind.b", "kind.c", "kind.z"]);

        claimed.Select(c => c.Id).ShouldBe([ids[1], ids[2]]);
        (await GetAsync(ids[0])).State.ShouldBe(JobState.Available);
        (await ClaimAsync(kinds: ["kind.a"])).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task Claim_OnlyReturnsJobsOfTheRequestedQueue()
    {
        var ids = await InsertManyAsync(TestJobs.New(queue: "default"), TestJobs.New(queue: "other"), TestJobs.New(queue: "other"));

        (await ClaimAsync(queue: "other")).Select(c => c.Id).ShouldBe([ids[1], ids[2]]);
        (await ClaimAsync(queue: "missing")).ShouldBeEmpty();
        (await ClaimAsync(queue: "default")).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task Claim_SkipsJobsWhoseRunAtIsInTheFuture()
    {
        // An available job whose run_at is later than now waits for it, whatever its priority.
        var ids = await InsertManyAsync(
            TestJobs.New(runAt: TestTime.At(10), priority: 9),
            TestJobs.New(runAt: TestTime.At(-1)));

        (await ClaimAsync(now: TestTime.T0)).Select(c => c.Id).ShouldBe([ids[1]]);
        (await ClaimAsync(now: TestTime.At(9.999))).ShouldBeEmpty();
        (await ClaimAsync(now: TestTime.At(10))).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task Claim_IgnoresScheduledJobsUntilPromoted()
    {
        var id = await InsertAsync(TestJobs.Scheduled(TestTime.At(10)));

        (await ClaimAsync(now: TestTime.At(20))).ShouldBeEmpty();
        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(20)))).ShouldBe(1);
        (await ClaimAsync(now: TestTime.At(20))).Select(c => c.Id).ShouldBe([id]);
    }

    [Fact]
    public async Task Claim_SetsRunningAttemptNodeStartedAtAndLease()
    {
        var parent = await InsertFinishedAsync(JobOutcome.Succeeded);
        var job = TestJobs.New(kind: TestJobs.OtherKind, priority: 4, maxAttempts: 7, runAt: TestTime.At(-2), argsJson: """{"a":[1,2]}""", orderingKey: "ok-1")
            with { Timeout = TimeSpan.FromSeconds(45), AffinityKey = "aff-1", AfterJobId = parent };
        var id = await InsertAsync(job, TestTime.At(-3));

        var claimed = await ClaimOneAsync(id, now: TestTime.At(5), lease: TimeSpan.FromSeconds(60));

        claimed.Kind.ShouldBe(TestJobs.OtherKind);
        claimed.Queue.ShouldBe(TestJobs.Queue);
        claimed.ArgsJson.ShouldBeSameJson("""{"a":[1,2]}""");
        claimed.Attempt.ShouldBe(1);
        claimed.MaxAttempts.ShouldBe(7);
        claimed.Priority.ShouldBe(4);
        claimed.Timeout.ShouldBe(TimeSpan.FromSeconds(45));
        claimed.OrderingKey.ShouldBe("ok-1");
        claimed.AffinityKey.ShouldBe("aff-1");
        claimed.CreatedAt.ShouldBe(TestTime.At(-3));
        claimed.RunAt.ShouldBe(TestTime.At(-2));

        var stored = await GetAsync(id);
        stored.State.ShouldBe(JobState.Running);
        stored.Attempt.ShouldBe(1);
        stored.Node.ShouldBe(Node1);
        stored.StartedAt.ShouldBe(TestTime.At(5));
        stored.LeaseExpiresAt.ShouldBe(TestTime.At(65));
        stored.FinishedAt.ShouldBeNull();
    }

    [Fact]
    public async Task Claim_SkipsJobsLeasedByAnotherNode()
    {
        var claimed = await InsertAndClaimAsync(node: Node1);

        (await ClaimAsync(node: Node2)).ShouldBeEmpty();
        (await GetAsync(claimed.Id)).Node.ShouldBe(Node1);
    }

    [Fact]
    public async Task Claim_UnderConcurrency_ClaimsEveryJobExactlyOnce()
    {
        const int jobCount = 4000;
        const int claimers = 8;
        for (var i = 0; i < jobCount; i += 500)
            await InsertManyAsync([.. Enumerable.Range(i, 500).Select(n => TestJobs.New(priority: n % 3, argsJson: $$"""{"n":{{n}}}"""))]);
        var instances = new List<IJobStore> { Store };
        for (var i = 0; i < 3; i++)
            instances.Add(await OpenInstanceAsync());
        var claims = new ConcurrentDictionary<long, int>();
        var total = 0;
        // Start every claimer at the same moment so their claims overlap as much as the machine allows.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readyCount = 0;

        var tasks = Enumerable.Range(0, claimers).Select(c => Task.Run(async () =>
        {
            if (Interlocked.Increment(ref readyCount) == claimers) allReady.SetResult();
            await start.Task;
            var store = instances[c % instances.Count];
            var node = $"hammer-{c}";
            var random = new Random(c);
            var emptyInARow = 0;
            while (Volatile.Read(ref total) < jobCount && emptyInARow < 3)
            {
                var jobs = await ClaimAsync(node, limit: random.Next(1, 17), store: store);
                emptyInARow = jobs.Count == 0 ? emptyInARow + 1 : 0;
                foreach (var job in jobs)
                {
                    claims.AddOrUpdate(job.Id, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref total);
                }
                if (c % 2 == 0 && jobs.Count > 0)
                {
                    await store.CompleteManyAsync(new CompleteJobsParams(node,
                        [.. jobs.Select(j => new JobCompletion(j.Id, j.Attempt, JobOutcome.Succeeded))], TestTime.At(1)));
                }
            }
        })).ToArray();
        await allReady.Task.WaitAsync(TimeSpan.FromSeconds(30));
        start.SetResult();
        await Task.WhenAll(tasks);

        claims.Count.ShouldBe(jobCount);
        claims.Values.ShouldAllBe(n => n == 1);
        total.ShouldBe(jobCount);
        (await ClaimAsync(limit: 100)).ShouldBeEmpty();
        var counts = await CountsAsync();
        counts[JobState.Available].ShouldBe(0);
        (counts[JobState.Running] + counts[JobState.Succeeded]).ShouldBe(jobCount);
    }
}
