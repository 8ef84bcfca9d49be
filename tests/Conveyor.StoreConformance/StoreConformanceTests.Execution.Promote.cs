using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Retrying_IsNotClaimableUntilPromoted()
    {
        var claimed = await InsertAndClaimAsync();
        await CompleteAsync(claimed, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(10));

        (await ClaimAsync(now: TestTime.At(20))).ShouldBeEmpty();
        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(20)))).ShouldBe(1);

        (await GetAsync(claimed.Id)).State.ShouldBe(JobState.Available);
        (await ClaimOneAsync(claimed.Id, now: TestTime.At(20))).Attempt.ShouldBe(2);
    }

    [Fact]
    public async Task PromoteDueJobs_MovesOnlyDueScheduledAndRetryingJobs()
    {
        var scheduledDue = await InsertAsync(TestJobs.Scheduled(TestTime.At(-1)));
        var scheduledLater = await InsertAsync(TestJobs.Scheduled(TestTime.At(100)));
        var retryingDue = await InsertAndClaimAsync();
        await CompleteAsync(retryingDue, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(5));
        var retryingLater = await InsertAndClaimAsync();
        await CompleteAsync(retryingLater, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(100));
        var running = await InsertAndClaimAsync();
        var waiting = await InsertAsync(TestJobs.New(runAt: TestTime.At(-50), after: running.Id));
        var available = await InsertAsync(TestJobs.New(runAt: TestTime.At(50)));

        var promoted = await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(10)));

        promoted.ShouldBe(2);
        (await GetAsync(scheduledDue)).State.ShouldBe(JobState.Available);
        (await GetAsync(retryingDue.Id)).State.ShouldBe(JobState.Available);
        (await GetAsync(scheduledLater)).State.ShouldBe(JobState.Scheduled);
        (await GetAsync(retryingLater.Id)).State.ShouldBe(JobState.Retrying);
        (await GetAsync(running.Id)).State.ShouldBe(JobState.Running);
        (await GetAsync(waiting)).State.ShouldBe(JobState.Waiting);
        (await GetAsync(available)).State.ShouldBe(JobState.Available);
    }

    [Fact]
    public async Task PromoteDueJobs_RespectsLimit()
    {
        await InsertManyAsync(TestJobs.Scheduled(TestTime.At(1)), TestJobs.Scheduled(TestTime.At(2)), TestJobs.Scheduled(TestTime.At(3)));

        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(10), Limit: 2))).ShouldBe(2);
        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(10), Limit: 2))).ShouldBe(1);
        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(10), Limit: 2))).ShouldBe(0);
    }

    [Fact]
    public async Task ScheduledJob_BecomesClaimableOnceDueAndPromoted()
    {
        var id = await InsertAsync(TestJobs.Scheduled(TestTime.At(10)));

        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(9)))).ShouldBe(0);
        (await ClaimAsync(now: TestTime.At(9))).ShouldBeEmpty();
        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(10)))).ShouldBe(1);

        var claimed = await ClaimOneAsync(id, now: TestTime.At(10));
        claimed.RunAt.ShouldBe(TestTime.At(10));
        claimed.Attempt.ShouldBe(1);
    }
}
