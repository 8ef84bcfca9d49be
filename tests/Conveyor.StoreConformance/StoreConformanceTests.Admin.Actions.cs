using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Cancel_AnAvailableJob_MakesItCancelled()
    {
        var id = await InsertAsync(TestJobs.New());

        var result = await Store.CancelJobAsync(new JobIdParams(id, TestTime.At(5)));

        result.Status.ShouldBe(JobChangeStatus.Done);
        result.Job.ShouldNotBeNull().State.ShouldBe(JobState.Cancelled);
        var job = await GetAsync(id);
        job.State.ShouldBe(JobState.Cancelled);
        job.FinishedAt.ShouldBe(TestTime.At(5));
        (await ClaimAsync(now: TestTime.At(6))).ShouldBeEmpty();
    }

    [Fact]
    public async Task Cancel_ARunningJob_ItsNodeLearnsAtTheNextHeartbeat_AndItsCompletionIsIgnored()
    {
        var claimed = await InsertAndClaimAsync();

        (await Store.CancelJobAsync(new JobIdParams(claimed.Id, TestTime.At(5)))).Status.ShouldBe(JobChangeStatus.Done);

        var lost = await Store.ExtendLeasesAsync(new ExtendLeasesParams(Node1, [claimed.Id], TestTime.At(6), TestTime.At(36)));
        lost.ShouldBe([claimed.Id]);
        await CompleteAsync(claimed, JobOutcome.Succeeded, now: TestTime.At(7), resultJson: "{}");
        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Cancelled);
        job.FinishedAt.ShouldBe(TestTime.At(5));
        job.ResultJson.ShouldBeNull();
    }

    [Fact]
    public async Task Cancel_AFinalJob_IsNotAllowed()
    {
        var id = await InsertFinishedAsync(JobOutcome.Succeeded);

        var result = await Store.CancelJobAsync(new JobIdParams(id, TestTime.At(5)));

        result.Status.ShouldBe(JobChangeStatus.NotAllowed);
        result.Job.ShouldNotBeNull().State.ShouldBe(JobState.Succeeded);
        (await GetAsync(id)).State.ShouldBe(JobState.Succeeded);
    }

    [Fact]
    public async Task Cancel_AnUnknownJob_IsNotFound()
    {
        (await Store.CancelJobAsync(new JobIdParams(987_654_321, TestTime.T0))).Status.ShouldBe(JobChangeStatus.NotFound);
    }

    [Fact]
    public async Task Retry_ADeadJob_MakesItAvailableNow_AndRaisesExhaustedMaxAttempts()
    {
        var id = await InsertFinishedAsync(JobOutcome.Dead, job: TestJobs.New(maxAttempts: 1));

        var result = await Store.RetryJobAsync(new JobIdParams(id, TestTime.At(50)));

        result.Status.ShouldBe(JobChangeStatus.Done);
        var job = await GetAsync(id);
        job.State.ShouldBe(JobState.Available);
        job.RunAt.ShouldBe(TestTime.At(50));
        job.FinishedAt.ShouldBeNull();
        job.Attempt.ShouldBe(1);
        job.MaxAttempts.ShouldBe(2);
        job.Errors.Count.ShouldBe(1);
        (await ClaimOneAsync(id, now: TestTime.At(50))).Attempt.ShouldBe(2);
    }

    [Fact]
    public async Task Retry_ADeadJobWithAttemptsLeft_KeepsMaxAttempts()
    {
        var id = await InsertFinishedAsync(JobOutcome.Dead, job: TestJobs.New(maxAttempts: 5));

        (await Store.RetryJobAsync(new JobIdParams(id, TestTime.At(50)))).Status.ShouldBe(JobChangeStatus.Done);

        (await GetAsync(id)).MaxAttempts.ShouldBe(5);
    }

    [Fact]
    public async Task Retry_ACancelledRetryingOrScheduledJob_MakesItAvailableNow()
    {
        var cancelled = await InsertAsync(TestJobs.New());
        await Store.CancelJobAsync(new JobIdParams(cancelled, TestTime.At(1)));
        var scheduled = await InsertAsync(TestJobs.Scheduled(TestTime.At(3600)));
        var retrying = await InsertAndClaimAsync();
        await CompleteAsync(retrying, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(3600));

        foreach (var id in new[] { cancelled, scheduled, retrying.Id })
        {
            (await Store.RetryJobAsync(new JobIdParams(id, TestTime.At(10)))).Status.ShouldBe(JobChangeStatus.Done);
            var job = await GetAsync(id);
            job.State.ShouldBe(JobState.Available);
            job.RunAt.ShouldBe(TestTime.At(10));
            job.FinishedAt.ShouldBeNull();
        }
        (await ClaimAsync(now: TestTime.At(10))).Select(c => c.Id).ShouldBe([cancelled, scheduled, retrying.Id], ignoreOrder: true);
    }

    [Fact]
    public async Task Retry_ARunningAvailableOrSucceededJob_IsNotAllowed()
    {
        var succeeded = await InsertFinishedAsync(JobOutcome.Succeeded);
        var running = await InsertAndClaimAsync();
        var available = await InsertAsync(TestJobs.New());

        foreach (var (id, state) in new[] { (succeeded, JobState.Succeeded), (running.Id, JobState.Running), (available, JobState.Available) })
        {
            var result = await Store.RetryJobAsync(new JobIdParams(id, TestTime.At(10)));
            result.Status.ShouldBe(JobChangeStatus.NotAllowed);
            result.Job.ShouldNotBeNull().State.ShouldBe(state);
            (await GetAsync(id)).State.ShouldBe(state);
        }
        (await Store.RetryJobAsync(new JobIdParams(987_654_321, TestTime.At(10)))).Status.ShouldBe(JobChangeStatus.NotFound);
    }

    [Fact]
    public async Task Delete_ARunningJob_IsNotAllowed()
    {
        var running = await InsertAndClaimAsync();

        var result = await Store.DeleteJobAsync(new JobIdParams(running.Id, TestTime.At(1)));

        result.Status.ShouldBe(JobChangeStatus.NotAllowed);
        (await GetAsync(running.Id)).State.ShouldBe(JobState.Running);
    }

    [Fact]
    public async Task Delete_AJobInAnyOtherState_RemovesIt()
    {
        var succeeded = await InsertFinishedAsync(JobOutcome.Succeeded);
        var dead = await InsertFinishedAsync(JobOutcome.Dead);
        var available = await InsertAsync(TestJobs.New());
        var scheduled = await InsertAsync(TestJobs.Scheduled(TestTime.At(60)));

        foreach (var id in new[] { succeeded, dead, available, scheduled })
        {
            var result = await Store.DeleteJobAsync(new JobIdParams(id, TestTime.At(5)));
            result.Status.ShouldBe(JobChangeStatus.Done);
            result.Job.ShouldBeNull();
            (await Store.GetJobAsync(new GetJobParams(id))).ShouldBeNull();
        }
        (await ClaimAsync(now: TestTime.At(100))).ShouldBeEmpty();
    }

    [Fact]
    public async Task Delete_AnUnknownJob_IsNotFound()
    {
        (await Store.DeleteJobAsync(new JobIdParams(987_654_321, TestTime.T0))).Status.ShouldBe(JobChangeStatus.NotFound);
    }

    [Fact]
    public async Task Delete_CancelsTheJobsWaitingOnIt()
    {
        var parent = await InsertAsync(TestJobs.New());
        var child = await InsertAsync(TestJobs.New(after: parent));

        await Store.DeleteJobAsync(new JobIdParams(parent, TestTime.At(5)));

        var job = await GetAsync(child);
        job.State.ShouldBe(JobState.Cancelled);
        job.Errors.Single().Type.ShouldBe(JobError.DependencyFailedType);
        // A deleted parent counts as cancelled, in every store.
        job.Errors.Single().Message.ShouldBe($"job {parent} it waited for ended cancelled");
    }

    [Fact]
    public async Task Prune_DeletesOnlyFinalJobsThatFinishedBeforeTheCutOffOfTheirState()
    {
        var oldSucceeded = await InsertFinishedAsync(JobOutcome.Succeeded, TestTime.At(10));
        var newSucceeded = await InsertFinishedAsync(JobOutcome.Succeeded, TestTime.At(30));
        var oldDead = await InsertFinishedAsync(JobOutcome.Dead, TestTime.At(10));
        var oldCancelled = await InsertAsync(TestJobs.New());
        await Store.CancelJobAsync(new JobIdParams(oldCancelled, TestTime.At(10)));
        var running = await InsertAndClaimAsync();
        var available = await InsertAsync(TestJobs.New(runAt: TestTime.At(-1000)));

        var pruned = await Store.PruneJobsAsync(new PruneJobsParams(
            SucceededBefore: TestTime.At(20), DeadBefore: TestTime.At(5), CancelledBefore: TestTime.At(20)));

        pruned.ShouldBe(2);
        (await Store.GetJobAsync(new GetJobParams(oldSucceeded))).ShouldBeNull();
        (await Store.GetJobAsync(new GetJobParams(oldCancelled))).ShouldBeNull();
        foreach (var kept in new[] { newSucceeded, oldDead, running.Id, available })
            (await Store.GetJobAsync(new GetJobParams(kept))).ShouldNotBeNull();
    }

    [Fact]
    public async Task Prune_RespectsLimit()
    {
        for (var i = 0; i < 3; i++)
            await InsertFinishedAsync(JobOutcome.Succeeded, TestTime.At(10));
        var cutoff = TestTime.At(20);

        (await Store.PruneJobsAsync(new PruneJobsParams(cutoff, cutoff, cutoff, Limit: 2))).ShouldBe(2);
        (await Store.PruneJobsAsync(new PruneJobsParams(cutoff, cutoff, cutoff, Limit: 2))).ShouldBe(1);
        (await Store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();
    }
}
