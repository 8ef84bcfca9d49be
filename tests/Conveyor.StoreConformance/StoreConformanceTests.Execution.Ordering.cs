using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task OrderingKey_OneClaimReturnsOnlyTheFirstJobOfAKey()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"), TestJobs.New());

        (await ClaimAsync(limit: 10)).Select(c => c.Id).ShouldBe([ids[0], ids[3]]);
    }

    [Fact]
    public async Task OrderingKey_NextJobIsNotClaimableWhileTheFirstIsAvailable()
    {
        // The first job is available but this node cannot run its kind: the second must still wait.
        var ids = await InsertManyAsync(TestJobs.New(kind: "kind.a", orderingKey: "k"), TestJobs.New(kind: "kind.b", orderingKey: "k"));

        (await ClaimAsync(kinds: ["kind.b"])).ShouldBeEmpty();
        (await ClaimAsync(kinds: ["kind.a", "kind.b"], limit: 10)).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task OrderingKey_NextJobIsNotClaimableWhileTheFirstIsScheduled()
    {
        var ids = await InsertManyAsync(TestJobs.Scheduled(TestTime.At(60), orderingKey: "k"), TestJobs.New(orderingKey: "k"));

        (await ClaimAsync()).ShouldBeEmpty();
        await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(60)));
        (await ClaimAsync(now: TestTime.At(60))).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task OrderingKey_NextJobIsNotClaimableWhileTheFirstIsRunning()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"));
        await ClaimOneAsync(ids[0], node: Node1);

        (await ClaimAsync(node: Node2)).ShouldBeEmpty();
        (await ClaimAsync(node: Node1, now: TestTime.At(5))).ShouldBeEmpty();
    }

    [Fact]
    public async Task OrderingKey_NextJobIsNotClaimableWhileTheFirstIsRetrying()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"));
        var first = await ClaimOneAsync(ids[0]);
        await CompleteAsync(first, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(30));

        (await ClaimAsync(now: TestTime.At(2))).ShouldBeEmpty();
        await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(30)));
        (await ClaimAsync(now: TestTime.At(30), limit: 10)).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task OrderingKey_NextJobIsClaimableOnceTheFirstSucceeded()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"));
        var first = await ClaimOneAsync(ids[0]);

        await CompleteAsync(first, JobOutcome.Succeeded);

        (await ClaimAsync(now: TestTime.At(2), limit: 10)).Select(c => c.Id).ShouldBe([ids[1]]);
    }

    [Fact]
    public async Task OrderingKey_NextJobIsClaimableOnceTheFirstDied()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"));
        var first = await ClaimOneAsync(ids[0]);

        await CompleteAsync(first, JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));

        (await ClaimAsync(now: TestTime.At(2))).Select(c => c.Id).ShouldBe([ids[1]]);
    }

    [Fact]
    public async Task OrderingKey_NextJobIsClaimableOnceTheFirstWasCancelled()
    {
        var ids = await InsertManyAsync(TestJobs.New(kind: "kind.a", orderingKey: "k"), TestJobs.New(orderingKey: "k"));

        await Store.CancelJobAsync(new JobIdParams(ids[0], TestTime.At(1)));

        (await ClaimAsync(now: TestTime.At(2))).Select(c => c.Id).ShouldBe([ids[1]]);
    }

    [Fact]
    public async Task OrderingKey_AJobCancelledWhileRunning_HoldsTheKeyUntilItsLeaseRanOut()
    {
        // Its node stops the handler at its next heartbeat: until the attempt's lease ends it may still be running.
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "other"));
        await ClaimOneAsync(ids[0], lease: TimeSpan.FromSeconds(30));
        await Store.CancelJobAsync(new JobIdParams(ids[0], TestTime.At(1)));

        (await ClaimAsync(now: TestTime.At(2), limit: 10)).Select(c => c.Id).ShouldBe([ids[2]]);
        (await ClaimAsync(now: TestTime.At(29), limit: 10)).ShouldBeEmpty();

        (await ClaimAsync(now: TestTime.At(30), limit: 10)).Select(c => c.Id).ShouldBe([ids[1]]);
    }

    [Fact]
    public async Task OrderingKey_DeletingAJobCancelledWhileRunning_EndsItsHold()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"));
        await ClaimOneAsync(ids[0], lease: TimeSpan.FromSeconds(30));
        await Store.CancelJobAsync(new JobIdParams(ids[0], TestTime.At(1)));
        (await ClaimAsync(now: TestTime.At(2))).ShouldBeEmpty();

        (await Store.DeleteJobAsync(new JobIdParams(ids[0], TestTime.At(3)))).Status.ShouldBe(JobChangeStatus.Done);

        (await ClaimAsync(now: TestTime.At(3))).Select(c => c.Id).ShouldBe([ids[1]]);
    }

    [Fact]
    public async Task OrderingKey_ARetriedJobTakesItsPlaceBackInLine()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"));
        var first = await ClaimOneAsync(ids[0]);
        await CompleteAsync(first, JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));

        await Store.RetryJobAsync(new JobIdParams(ids[0], TestTime.At(2)));

        (await ClaimAsync(now: TestTime.At(3), limit: 10)).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task OrderingKey_AppliesAcrossQueues()
    {
        var ids = await InsertManyAsync(TestJobs.New(queue: "q1", orderingKey: "k"), TestJobs.New(queue: "q2", orderingKey: "k"));

        (await ClaimAsync(queue: "q2")).ShouldBeEmpty();
        var first = await ClaimOneAsync(ids[0], queue: "q1");
        (await ClaimAsync(queue: "q2")).ShouldBeEmpty();
        await CompleteAsync(first, JobOutcome.Succeeded);

        (await ClaimAsync(queue: "q2", now: TestTime.At(2))).Select(c => c.Id).ShouldBe([ids[1]]);
    }

    [Fact]
    public async Task OrderingKey_JobsWithDifferentKeysRunSideBySide()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "a"), TestJobs.New(orderingKey: "b"), TestJobs.New(orderingKey: "a"), TestJobs.New(orderingKey: "b"));

        (await ClaimAsync(limit: 10)).Select(c => c.Id).ShouldBe([ids[0], ids[1]]);
    }
}
