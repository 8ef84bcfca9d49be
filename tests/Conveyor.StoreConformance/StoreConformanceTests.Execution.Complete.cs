using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Complete_Succeeded_StoresResultAndFinishedAt_KeepsNode()
    {
        var claimed = await InsertAndClaimAsync();

        await CompleteAsync(claimed, JobOutcome.Succeeded, now: TestTime.At(2), resultJson: """{"sent":3,"ids":["a","b"]}""");

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Succeeded);
        job.FinishedAt.ShouldBe(TestTime.At(2));
        job.ResultJson.ShouldBeSameJson("""{"sent":3,"ids":["a","b"]}""");
        job.Node.ShouldBe(Node1);
        job.Attempt.ShouldBe(1);
        job.StartedAt.ShouldBe(TestTime.T0);
        job.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Complete_Retry_AppendsErrorAndWaitsUntilRetryAt()
    {
        var claimed = await InsertAndClaimAsync();
        var error = TestJobs.Error(1, TestTime.At(2), "first");

        await CompleteAsync(claimed, JobOutcome.Retry, now: TestTime.At(2), error: error, retryAt: TestTime.At(60));

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Retrying);
        job.RunAt.ShouldBe(TestTime.At(60));
        job.Attempt.ShouldBe(1);
        job.FinishedAt.ShouldBeNull();
        job.Errors.ShouldBe([error]);
    }

    [Fact]
    public async Task Complete_RetryWithoutRetryAt_IsDueAtOnce()
    {
        var claimed = await InsertAndClaimAsync();

        await CompleteAsync(claimed, JobOutcome.Retry, now: TestTime.At(2), error: TestJobs.Error(1, TestTime.At(2)));

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Retrying);
        job.RunAt.ShouldBe(TestTime.At(2));
        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(2)))).ShouldBe(1);
    }

    [Fact]
    public async Task Complete_Retry_ErrorsAccumulateAcrossAttempts()
    {
        var first = await InsertAndClaimAsync();
        var error1 = TestJobs.Error(1, TestTime.At(1), "first");
        await CompleteAsync(first, JobOutcome.Retry, now: TestTime.At(1), error: error1, retryAt: TestTime.At(10));
        await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(10)));
        var second = await ClaimOneAsync(first.Id, now: TestTime.At(10));
        second.Attempt.ShouldBe(2);
        var error2 = new JobError(2, TestTime.At(11), "System.TimeoutException", "second", null);

        await CompleteAsync(second, JobOutcome.Retry, now: TestTime.At(11), error: error2, retryAt: TestTime.At(30));

        (await GetAsync(first.Id)).Errors.ShouldBe([error1, error2]);
    }

    [Fact]
    public async Task Complete_Dead_AppendsErrorAndFinishes()
    {
        var claimed = await InsertAndClaimAsync();
        var error = TestJobs.Error(1, TestTime.At(3), "permanent");

        await CompleteAsync(claimed, JobOutcome.Dead, now: TestTime.At(3), error: error);

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Dead);
        job.FinishedAt.ShouldBe(TestTime.At(3));
        job.Errors.ShouldBe([error]);
        (await ClaimAsync(now: TestTime.At(100))).ShouldBeEmpty();
    }

    [Fact]
    public async Task Complete_Released_GivesTheAttemptBackAndClearsNodeAndLease()
    {
        var claimed = await InsertAndClaimAsync(now: TestTime.At(1));

        await CompleteAsync(claimed, JobOutcome.Released, now: TestTime.At(2));

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Available);
        job.Attempt.ShouldBe(0);
        job.Node.ShouldBeNull();
        job.StartedAt.ShouldBeNull();
        job.LeaseExpiresAt.ShouldBeNull();
        job.FinishedAt.ShouldBeNull();
        job.Errors.ShouldBeEmpty();
        (await ClaimOneAsync(claimed.Id, node: Node2, now: TestTime.At(3))).Attempt.ShouldBe(1);
    }

    [Fact]
    public async Task Complete_FromAnotherNode_IsIgnored()
    {
        var claimed = await InsertAndClaimAsync(node: Node1);

        await CompleteAsync(claimed, JobOutcome.Succeeded, node: Node2, resultJson: "{}");

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Running);
        job.Node.ShouldBe(Node1);
        job.ResultJson.ShouldBeNull();
    }

    [Fact]
    public async Task Complete_OfAnEarlierAttempt_IsIgnored()
    {
        var first = await InsertAndClaimAsync(TestJobs.New(maxAttempts: 5), lease: TimeSpan.FromSeconds(10));
        await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(11)));
        var second = await ClaimOneAsync(first.Id, node: Node1, now: TestTime.At(12));
        second.Attempt.ShouldBe(2);

        await CompleteAsync(first, JobOutcome.Dead, now: TestTime.At(13), error: TestJobs.Error(1, TestTime.At(13)));
        await CompleteAsync(second, JobOutcome.Succeeded, now: TestTime.At(13), attempt: 3);

        var job = await GetAsync(first.Id);
        job.State.ShouldBe(JobState.Running);
        job.Attempt.ShouldBe(2);
        job.Errors.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Complete_AfterTheJobWasCancelled_IsIgnored()
    {
        var claimed = await InsertAndClaimAsync();
        (await Store.CancelJobAsync(new JobIdParams(claimed.Id, TestTime.At(1)))).Status.ShouldBe(JobChangeStatus.Done);

        await CompleteAsync(claimed, JobOutcome.Succeeded, now: TestTime.At(2), resultJson: """{"late":true}""");

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Cancelled);
        job.ResultJson.ShouldBeNull();
        job.FinishedAt.ShouldBe(TestTime.At(1));
    }

    [Fact]
    public async Task CompleteMany_AppliesEveryCompletionInOneCall()
    {
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New(), TestJobs.New(), TestJobs.New());
        var claimed = await ClaimAsync(limit: 4);
        claimed.Count.ShouldBe(4);
        var retryError = TestJobs.Error(1, TestTime.At(5), "again");
        var deadError = TestJobs.Error(1, TestTime.At(5), "never");

        await Store.CompleteManyAsync(new CompleteJobsParams(Node1,
        [
            new JobCompletion(ids[0], 1, JobOutcome.Succeeded, ResultJson: "[1]"),
            new JobCompletion(ids[1], 1, JobOutcome.Retry, Error: retryError, RetryAt: TestTime.At(50)),
            new JobCompletion(ids[2], 1, JobOutcome.Dead, Error: deadError),
            new JobCompletion(ids[3], 1, JobOutcome.Released),
        ], TestTime.At(5)));

        var jobs = new List<JobInfo>();
        foreach (var id in ids) jobs.Add(await GetAsync(id));
        jobs.Select(j => j.State).ShouldBe([JobState.Succeeded, JobState.Retrying, JobState.Dead, JobState.Available]);
        jobs[0].ResultJson.ShouldBeSameJson("[1]");
        jobs[1].Errors.ShouldBe([retryError]);
        jobs[1].RunAt.ShouldBe(TestTime.At(50));
        jobs[2].Errors.ShouldBe([deadError]);
        jobs[3].Attempt.ShouldBe(0);
    }

    [Theory]
    [InlineData(JobOutcome.Succeeded)]
    [InlineData(JobOutcome.Retry)]
    [InlineData(JobOutcome.Dead)]
    public async Task Complete_WithTheHandlersStart_RecordsItAsStartedAt_WithoutIt_KeepsTheClaimsTime(JobOutcome outcome)
    {
        var late = await InsertAndClaimAsync();
        var onTime = await InsertAndClaimAsync();
        var handlerStart = TestTime.T0.AddMilliseconds(7);
        var error = outcome == JobOutcome.Succeeded ? null : TestJobs.Error(1, TestTime.At(1));

        await Store.CompleteManyAsync(new CompleteJobsParams(Node1,
        [
            new JobCompletion(late.Id, late.Attempt, outcome, Error: error, RetryAt: TestTime.At(60), StartedAt: handlerStart),
            new JobCompletion(onTime.Id, onTime.Attempt, outcome, Error: error, RetryAt: TestTime.At(60)),
        ], TestTime.At(1)));

        (await GetAsync(late.Id)).StartedAt.ShouldBe(handlerStart);
        (await GetAsync(onTime.Id)).StartedAt.ShouldBe(TestTime.T0);
    }

    [Fact]
    public async Task Complete_ManyPlainSuccesses_SomeStartedLate_RecordEachStart()
    {
        var jobs = new List<ClaimedJob>();
        for (var i = 0; i < 6; i++) jobs.Add(await InsertAndClaimAsync());
        var completions = jobs.Select((j, i) => new JobCompletion(j.Id, j.Attempt, JobOutcome.Succeeded,
            StartedAt: i % 2 == 0 ? TestTime.T0.AddMilliseconds(i + 2) : null)).ToList();

        await Store.CompleteManyAsync(new CompleteJobsParams(Node1, completions, TestTime.At(1)));

        for (var i = 0; i < jobs.Count; i++)
        {
            var job = await GetAsync(jobs[i].Id);
            job.State.ShouldBe(JobState.Succeeded);
            job.StartedAt.ShouldBe(i % 2 == 0 ? TestTime.T0.AddMilliseconds(i + 2) : TestTime.T0);
        }
    }
}
