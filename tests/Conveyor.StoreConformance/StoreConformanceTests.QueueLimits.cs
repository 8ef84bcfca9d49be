using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// The flow-control limits of the queue settings record: enforced by the claim (global, rate, ordered) and by the
// insert (backlog) for every caller of the store.
public abstract partial class StoreConformanceTests
{
    private Task LimitAsync(QueueLimits limits, string queue = TestJobs.Queue, IJobStore? store = null) =>
        (store ?? Store).SetQueueLimitsAsync(new SetQueueLimitsParams(queue, limits));

    private async Task<long> RunningAsync(string queue = TestJobs.Queue) => (await CountsAsync(queue))[JobState.Running];

    [Fact]
    public async Task QueueLimits_AreReadBack_Listed_AndKeepThePauseState()
    {
        (await Store.GetQueueSettingsAsync(new GetQueueSettingsParams("never"))).ShouldBeNull();
        await Store.SetQueuePausedAsync(new SetQueuePausedParams("smtp", Paused: true));
        var limits = new QueueLimits(GlobalLimit: 4, RateLimit: RateLimit.Parse("100/1m"), Ordered: true, MaxBacklog: 10_000);

        await LimitAsync(limits, "smtp");

        (await Store.GetQueueSettingsAsync(new GetQueueSettingsParams("smtp"))).ShouldBe(new QueueSettings(Paused: true, limits));
        var listed = (await Store.ListQueuesAsync(new ListQueuesParams())).Single(q => q.Name == "smtp");
        listed.Paused.ShouldBeTrue();
        listed.Limits.ShouldBe(limits);

        await LimitAsync(QueueLimits.None, "smtp");
        (await Store.GetQueueSettingsAsync(new GetQueueSettingsParams("smtp"))).ShouldBe(new QueueSettings(Paused: true, QueueLimits.None));
    }

    [Fact]
    public async Task LimitingAQueueWithoutJobs_ListsIt()
    {
        await LimitAsync(new QueueLimits(GlobalLimit: 2), "fresh");

        var queue = (await Store.ListQueuesAsync(new ListQueuesParams())).Single(q => q.Name == "fresh");
        queue.Paused.ShouldBeFalse();
        queue.Limits.GlobalLimit.ShouldBe(2);
    }

    [Fact]
    public async Task Claim_OfAnUnlimitedQueue_SaysItIsNotLimited()
    {
        await InsertAsync(TestJobs.New());
        var claimed = await ClaimAsync();
        claimed.Count.ShouldBe(1);
        claimed.Limited.ShouldBeFalse();
        claimed.NextStartAt.ShouldBeNull();
    }

    [Fact]
    public async Task GlobalLimit_NeverRunsMoreThanTheLimitAcrossNodes_AndAFinishedJobFreesItsPlace()
    {
        await InsertManyAsync([.. Enumerable.Range(0, 10).Select(_ => TestJobs.New())]);
        await LimitAsync(new QueueLimits(GlobalLimit: 3));

        var first = await ClaimAsync(Node1, limit: 2);
        first.Count.ShouldBe(2);
        first.Limited.ShouldBeTrue();
        (await ClaimAsync(Node2, limit: 10)).Count.ShouldBe(1);
        var none = await ClaimAsync("node-3", limit: 10);
        none.ShouldBeEmpty();
        none.Limited.ShouldBeTrue();
        (await RunningAsync()).ShouldBe(3);
        (await CountsAsync())[JobState.Available].ShouldBe(7);

        await CompleteAsync(first[0], JobOutcome.Succeeded);
        (await ClaimAsync("node-3", limit: 10)).Count.ShouldBe(1);
        (await RunningAsync()).ShouldBe(3);
    }

    [Fact]
    public async Task GlobalLimit_HoldsUnderConcurrentClaimsFromSeveralNodes()
    {
        await InsertManyAsync([.. Enumerable.Range(0, 60).Select(_ => TestJobs.New())]);
        await LimitAsync(new QueueLimits(GlobalLimit: 5));
        var stores = new[] { Store, await OpenInstanceAsync(), await OpenInstanceAsync() };

        // Every node asks for more than the limit at once, again and again: together they must never exceed it.
        var claims = Enumerable.Range(0, 24).Select(i => Task.Run(() =>
            ClaimAsync($"node-{i}", limit: 4, store: stores[i % stores.Length])));
        var claimed = (await Task.WhenAll(claims)).SelectMany(c => c).ToList();

        claimed.Count.ShouldBe(5);
        claimed.Select(c => c.Id).Distinct().Count().ShouldBe(5);
        (await RunningAsync()).ShouldBe(5);
    }

    [Fact]
    public async Task GlobalLimit_Removed_LetsClaimsRunFreely()
    {
        await InsertManyAsync([.. Enumerable.Range(0, 5).Select(_ => TestJobs.New())]);
        await LimitAsync(new QueueLimits(GlobalLimit: 1));
        (await ClaimAsync(limit: 5)).Count.ShouldBe(1);

        await LimitAsync(QueueLimits.None);

        var claimed = await ClaimAsync(limit: 5);
        claimed.Count.ShouldBe(4);
        claimed.Limited.ShouldBeFalse();
    }

    [Fact]
    public async Task GlobalLimit_LeavesOtherQueuesAlone()
    {
        await InsertManyAsync([.. Enumerable.Range(0, 4).Select(_ => TestJobs.New(queue: "other"))]);
        await LimitAsync(new QueueLimits(GlobalLimit: 1));

        (await ClaimAsync(queue: "other", limit: 10)).Count.ShouldBe(4);
    }

    [Fact]
    public async Task RateLimit_AllowsAtMostNStartsInAnyWindow_AndSaysWhenTheWindowFrees()
    {
        await InsertManyAsync([.. Enumerable.Range(0, 10).Select(_ => TestJobs.New())]);
        await LimitAsync(new QueueLimits(RateLimit: new RateLimit(3, TimeSpan.FromSeconds(10))));

        var first = await ClaimAsync(limit: 2, now: TestTime.T0);
        first.Count.ShouldBe(2);
        first.Limited.ShouldBeTrue();
        first.NextStartAt.ShouldBeNull(); // two of three starts used: the window is not full

        var second = await ClaimAsync(Node2, limit: 10, now: TestTime.At(1));
        second.Count.ShouldBe(1);
        second.NextStartAt.ShouldBe(TestTime.At(10)); // the oldest of the three starts leaves the window then

        // Finishing jobs frees no start: the limit counts starts, not running jobs.
        await CompleteAsync(first[0], JobOutcome.Succeeded, now: TestTime.At(2));
        var full = await ClaimAsync(limit: 10, now: TestTime.At(9.999));
        full.ShouldBeEmpty();
        full.NextStartAt.ShouldBe(TestTime.At(10));
        (await CountsAsync())[JobState.Available].ShouldBe(7); // over the limit: still available, not failed

        var freed = await ClaimAsync(limit: 10, now: TestTime.At(10));
        freed.Count.ShouldBe(2); // the two starts at T0 left the window; the one at 1 s is still in it
        freed.NextStartAt.ShouldBe(TestTime.At(11));
    }

    [Fact]
    public async Task RateLimit_CountsStartsAcrossNodesAndInstances()
    {
        await InsertManyAsync([.. Enumerable.Range(0, 20).Select(_ => TestJobs.New())]);
        await LimitAsync(new QueueLimits(RateLimit: RateLimit.Parse("4/1m")));
        var other = await OpenInstanceAsync();

        var claims = Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            ClaimAsync($"node-{i}", limit: 3, now: TestTime.At(i), store: i % 2 == 0 ? Store : other)));
        var claimed = (await Task.WhenAll(claims)).SelectMany(c => c).ToList();

        claimed.Count.ShouldBe(4);
        (await ClaimAsync(limit: 10, now: TestTime.At(59.999))).ShouldBeEmpty();
    }

    [Fact]
    public async Task RateLimit_AClaimMadeWithAnEarlierTimeThanTheLast_StillCountsItsWindow()
    {
        // A claim's time is read before it waits for the queue's lock, so claims can reach the store out of time order.
        await InsertManyAsync([.. Enumerable.Range(0, 10).Select(_ => TestJobs.New())]);
        await LimitAsync(new QueueLimits(RateLimit: new RateLimit(3, TimeSpan.FromSeconds(10))));

        (await ClaimAsync(limit: 3, now: TestTime.At(100))).Count.ShouldBe(3);
        (await ClaimAsync(limit: 1, now: TestTime.At(110.5))).Count.ShouldBe(1, "the window (100.5, 110.5] held no start");

        (await ClaimAsync(limit: 3, now: TestTime.At(109))).ShouldBeEmpty("the window (99, 109] already holds the three starts at 100");
        (await ClaimAsync(limit: 3, now: TestTime.At(120.4))).Count.ShouldBe(2, "the window (110.4, 120.4] holds the start at 110.5");
    }

    [Fact]
    public async Task RateLimit_ARetryIsANewStart()
    {
        await InsertManyAsync(TestJobs.New(maxAttempts: 5));
        await LimitAsync(new QueueLimits(RateLimit: new RateLimit(2, TimeSpan.FromSeconds(10))));

        var first = (await ClaimAsync(limit: 1, now: TestTime.T0)).Single();
        await CompleteAsync(first, JobOutcome.Retry, now: TestTime.At(1), error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(1));
        await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(2)));
        var again = await ClaimAsync(limit: 1, now: TestTime.At(2));
        again.Single().Id.ShouldBe(first.Id);
        again.NextStartAt.ShouldBe(TestTime.At(10)); // its two starts fill the window
        await InsertAsync(TestJobs.New());
        (await ClaimAsync(limit: 10, now: TestTime.At(3))).ShouldBeEmpty();
    }

    [Fact]
    public async Task OrderedQueue_RunsOneJobAtATime_InEnqueueOrder_WhateverThePriority()
    {
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New(priority: 5), TestJobs.New(priority: 9));
        await LimitAsync(new QueueLimits(Ordered: true));

        var first = await ClaimAsync(limit: 10);
        first.Select(c => c.Id).ShouldBe([ids[0]]);
        first.Limited.ShouldBeTrue();
        (await ClaimAsync(Node2, limit: 10)).ShouldBeEmpty();

        await CompleteAsync(first[0], JobOutcome.Succeeded);
        var second = await ClaimOneAsync(ids[1], Node2);
        (await ClaimAsync(limit: 10)).ShouldBeEmpty();

        await CompleteAsync(second, JobOutcome.Succeeded, node: Node2);
        await ClaimOneAsync(ids[2]);
    }

    [Fact]
    public async Task OrderedQueue_AJobWaitingForItsRetryHoldsTheQueue()
    {
        var ids = await InsertManyAsync(TestJobs.New(maxAttempts: 3), TestJobs.New());
        await LimitAsync(new QueueLimits(Ordered: true));

        var first = await ClaimOneAsync(ids[0]);
        await CompleteAsync(first, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(30));
        (await ClaimAsync(limit: 10, now: TestTime.At(2))).ShouldBeEmpty();

        await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(30)));
        await ClaimOneAsync(ids[0], now: TestTime.At(30));
    }

    [Fact]
    public async Task OrderedQueue_OnlyItsHeadIsClaimed_ByANodeThatRunsItsKind()
    {
        var ids = await InsertManyAsync(TestJobs.New(kind: TestJobs.OtherKind), TestJobs.New());
        await LimitAsync(new QueueLimits(Ordered: true));

        (await ClaimAsync(kinds: [TestJobs.Kind], limit: 10)).ShouldBeEmpty();
        await ClaimOneAsync(ids[0]);
    }

    [Fact]
    public async Task MaxBacklog_RefusesAnInsertBeyondIt_AndStoresNothingOfIt()
    {
        await LimitAsync(new QueueLimits(MaxBacklog: 3));
        await InsertManyAsync(TestJobs.New(), TestJobs.New());

        var full = await Should.ThrowAsync<QueueBacklogFullException>(() =>
            Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(), TestJobs.New(), TestJobs.New(queue: "other")], TestTime.T0)));
        full.Queue.ShouldBe(TestJobs.Queue);
        full.MaxBacklog.ShouldBe(3);
        full.Backlog.ShouldBe(2);
        (await CountsAsync())[JobState.Available].ShouldBe(2);
        (await Store.ListQueuesAsync(new ListQueuesParams())).ShouldNotContain(q => q.Name == "other"); // all or nothing

        await InsertAsync(TestJobs.New());
        await Should.ThrowAsync<QueueBacklogFullException>(() => InsertAsync(TestJobs.Scheduled(TestTime.At(60))));
    }

    [SkippableFact]
    public async Task MaxBacklog_RefusesABatchWhoseHeldCallbackWouldOverfillItsQueue_AndStoresNoChild()
    {
        await LimitAsync(new QueueLimits(MaxBacklog: 2));
        await InsertManyAsync(TestJobs.New(), TestJobs.New());

        await Should.ThrowAsync<QueueBacklogFullException>(() => RequireBatches().InsertBatchAsync(
            new InsertBatchParams([TestJobs.New(queue: "other"), TestJobs.New(queue: "other")], TestJobs.New(kind: CallbackKind), null, TestTime.T0)));

        (await CountsAsync())[JobState.Available].ShouldBe(2);
        (await CountsAsync()).GetValueOrDefault(JobState.Waiting).ShouldBe(0);
        (await Store.ListQueuesAsync(new ListQueuesParams())).ShouldNotContain(q => q.Name == "other");
    }

    [Fact]
    public async Task MaxBacklog_CountsWaitingWork_NotRunningOrFinishedJobs()
    {
        await LimitAsync(new QueueLimits(MaxBacklog: 2));
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New());

        var running = await ClaimOneAsync(ids[0]);
        await InsertAsync(TestJobs.New()); // the running job is no longer backlog
        await CompleteAsync(running, JobOutcome.Succeeded);
        await Should.ThrowAsync<QueueBacklogFullException>(() => InsertAsync(TestJobs.New()));
    }

    [Fact]
    public async Task MaxBacklog_AUniqueKeyThatFindsItsJobAddsNothing()
    {
        await LimitAsync(new QueueLimits(MaxBacklog: 1));
        var id = await InsertAsync(TestJobs.New(uniqueKey: "once"));

        var again = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "once")], TestTime.T0));

        again.Single().ShouldBe(new InsertedJob(id, Existing: true));
    }

    [Fact]
    public async Task MaxBacklog_HoldsUnderConcurrentInsertsFromSeveralInstances()
    {
        await LimitAsync(new QueueLimits(MaxBacklog: 10));
        var stores = new[] { Store, await OpenInstanceAsync() };

        var inserts = Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            try
            {
                await stores[i % 2].InsertManyAsync(new InsertJobsParams([TestJobs.New()], TestTime.T0));
                return true;
            }
            catch (QueueBacklogFullException)
            {
                return false;
            }
        }));
        var stored = (await Task.WhenAll(inserts)).Count(ok => ok);

        stored.ShouldBe(10);
        (await CountsAsync())[JobState.Available].ShouldBe(10);
    }

    [Fact]
    public async Task ListQueues_CountsAvailableJobsPerKind()
    {
        await InsertManyAsync(TestJobs.New(), TestJobs.New(), TestJobs.New(kind: "nobody.runs"), TestJobs.New(queue: "other"));
        await ClaimAsync(kinds: [TestJobs.Kind], limit: 1);

        var queue = (await Store.ListQueuesAsync(new ListQueuesParams())).Single(q => q.Name == TestJobs.Queue);

        queue.AvailableByKind.ShouldBe(new Dictionary<string, long> { [TestJobs.Kind] = 1, ["nobody.runs"] = 1 }, ignoreOrder: true);
    }
}
