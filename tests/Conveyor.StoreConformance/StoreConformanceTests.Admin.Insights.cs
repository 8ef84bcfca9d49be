using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Activity_CountsTheJobsThatEndedPerBucket_WithTheirFailedAttemptsAndQueueWait()
    {
        // Bucket 0 [T0, T0+60 s): one job waited 2 s and succeeded; one failed once, waited 3 s after its retry, and succeeded.
        var fast = await InsertAsync(TestJobs.New());
        var fastClaim = await ClaimOneAsync(fast, now: TestTime.At(2));
        await CompleteAsync(fastClaim, JobOutcome.Succeeded, now: TestTime.At(10), resultJson: "{}");
        var retried = await InsertAsync(TestJobs.New());
        var first = await ClaimOneAsync(retried, now: TestTime.At(3));
        await CompleteAsync(first, JobOutcome.Retry, now: TestTime.At(4), error: TestJobs.Error(1, TestTime.At(4)), retryAt: TestTime.At(5));
        await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(6)));
        var second = await ClaimOneAsync(retried, now: TestTime.At(8));
        await CompleteAsync(second, JobOutcome.Succeeded, now: TestTime.At(20), resultJson: "{}");
        // Bucket 1: a job that died on its first attempt after no wait.
        var dead = await InsertAsync(TestJobs.New(maxAttempts: 1));
        var deadClaim = await ClaimOneAsync(dead, now: TestTime.At(0));
        await CompleteAsync(deadClaim, JobOutcome.Dead, now: TestTime.At(70), error: TestJobs.Error(1, TestTime.At(70)));
        // Not counted: one that ends after the window, a cancelled one, a running one, an available one.
        var late = await InsertAsync(TestJobs.New());
        await CompleteAsync(await ClaimOneAsync(late), JobOutcome.Succeeded, now: TestTime.At(130), resultJson: "{}");
        await Store.CancelJobAsync(new JobIdParams(await InsertAsync(TestJobs.New()), TestTime.At(30)));
        var running = await InsertAsync(TestJobs.New());
        await ClaimOneAsync(running, now: TestTime.At(31));
        await InsertAsync(TestJobs.New());

        var buckets = await Store.GetActivityAsync(new GetActivityParams(TestTime.T0, TestTime.At(120), TimeSpan.FromMinutes(1)));

        buckets.ShouldBe(
        [
            new ActivityBucket(TestTime.T0, Succeeded: 2, Dead: 0, FailedAttempts: 1, MeanWait: TimeSpan.FromSeconds(2.5), MaxWait: TimeSpan.FromSeconds(3)),
            new ActivityBucket(TestTime.At(60), Succeeded: 0, Dead: 1, FailedAttempts: 1, MeanWait: TimeSpan.Zero, MaxWait: TimeSpan.Zero),
        ]);
    }

    [Fact]
    public async Task Activity_OfAWindowWithoutEndedJobs_IsEmpty()
    {
        await InsertFinishedAsync(JobOutcome.Succeeded, finishedAt: TestTime.At(1));

        (await Store.GetActivityAsync(new GetActivityParams(TestTime.At(2), TestTime.At(600), TimeSpan.FromSeconds(10)))).ShouldBeEmpty();
    }

    [Fact]
    public async Task OrderingKey_ListsItsJobsThatAreNotFinal_InTheOrderTheyRun()
    {
        var done = await InsertFinishedAsync(JobOutcome.Succeeded, job: TestJobs.New(orderingKey: "acct-1"));
        var holder = await InsertAsync(TestJobs.New(orderingKey: "acct-1"));
        await ClaimOneAsync(holder);
        var scheduled = await InsertAsync(TestJobs.Scheduled(TestTime.At(600), orderingKey: "acct-1"));
        var next = await InsertAsync(TestJobs.New(orderingKey: "acct-1"));
        var last = await InsertAsync(TestJobs.New(orderingKey: "acct-1", queue: "other"));
        await InsertAsync(TestJobs.New(orderingKey: "acct-2"));
        await InsertAsync(TestJobs.New());

        var jobs = await Store.ListOrderingKeyAsync(new ListOrderingKeyParams("acct-1"));

        jobs.Select(j => j.Id).ShouldBe([holder, scheduled, next, last]);
        jobs.Select(j => j.State).ShouldBe([JobState.Running, JobState.Scheduled, JobState.Available, JobState.Available]);
        jobs.ShouldAllBe(j => j.OrderingKey == "acct-1" && j.Id != done);
        (await Store.ListOrderingKeyAsync(new ListOrderingKeyParams("acct-1", Limit: 2))).Select(j => j.Id).ShouldBe([holder, scheduled]);
        (await Store.ListOrderingKeyAsync(new ListOrderingKeyParams("nobody"))).ShouldBeEmpty();
    }
}
