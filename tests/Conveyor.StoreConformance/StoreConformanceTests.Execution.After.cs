using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task After_WaitsUntilTheParentSucceeds_ThenBecomesAvailable()
    {
        var parent = await InsertAsync(TestJobs.New());
        var child = await InsertAsync(TestJobs.New(after: parent));
        (await GetAsync(child)).State.ShouldBe(JobState.Waiting);

        var running = await ClaimOneAsync(parent);
        await CompleteAsync(running, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(2));
        await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(2)));
        (await GetAsync(child)).State.ShouldBe(JobState.Waiting);
        var again = await ClaimOneAsync(parent, now: TestTime.At(2));
        await CompleteAsync(again, JobOutcome.Succeeded, now: TestTime.At(3));

        (await GetAsync(child)).State.ShouldBe(JobState.Available);
        (await ClaimAsync(now: TestTime.At(4))).Select(c => c.Id).ShouldBe([child]);
    }

    [Fact]
    public async Task After_AParentThatAlreadySucceeded_StartsTheJobAsGiven()
    {
        var parent = await InsertFinishedAsync(JobOutcome.Succeeded);

        var ids = await InsertManyAsync(TestJobs.New(after: parent), TestJobs.Scheduled(TestTime.At(60)) with { AfterJobId = parent });

        (await GetAsync(ids[0])).State.ShouldBe(JobState.Available);
        (await GetAsync(ids[1])).State.ShouldBe(JobState.Scheduled);
    }

    [Fact]
    public async Task After_AWaitingJobWithALaterRunAt_BecomesScheduledWhenTheParentSucceeds()
    {
        var parent = await InsertAsync(TestJobs.New());
        var child = await InsertAsync(TestJobs.Scheduled(TestTime.At(600)) with { AfterJobId = parent });
        var running = await ClaimOneAsync(parent);

        await CompleteAsync(running, JobOutcome.Succeeded, now: TestTime.At(5));

        (await GetAsync(child)).State.ShouldBe(JobState.Scheduled);
        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(600)))).ShouldBe(1);
        (await GetAsync(child)).State.ShouldBe(JobState.Available);
    }

    [Fact]
    public async Task After_IsCancelledWhenTheParentDies()
    {
        var parent = await InsertAsync(TestJobs.New());
        var child = await InsertAsync(TestJobs.New(after: parent));
        var running = await ClaimOneAsync(parent);

        await CompleteAsync(running, JobOutcome.Dead, now: TestTime.At(5), error: TestJobs.Error(1, TestTime.At(5)));

        var job = await GetAsync(child);
        job.State.ShouldBe(JobState.Cancelled);
        job.FinishedAt.ShouldBe(TestTime.At(5));
        job.Errors.Single().Type.ShouldBe(JobError.DependencyFailedType);
    }

    [Fact]
    public async Task After_IsCancelledWhenTheParentIsCancelled_AndSoAreItsOwnDependents()
    {
        var parent = await InsertAsync(TestJobs.New());
        var child = await InsertAsync(TestJobs.New(after: parent));
        var grandchild = await InsertAsync(TestJobs.New(after: child));

        await Store.CancelJobAsync(new JobIdParams(parent, TestTime.At(5)));

        foreach (var id in new[] { child, grandchild })
        {
            var job = await GetAsync(id);
            job.State.ShouldBe(JobState.Cancelled);
            job.Errors.Single().Type.ShouldBe(JobError.DependencyFailedType);
        }
    }

    [Fact]
    public async Task After_IsCancelledWhenARescueBuriesTheParent()
    {
        var parent = await InsertAsync(TestJobs.New(maxAttempts: 1));
        var child = await InsertAsync(TestJobs.New(after: parent));
        await ClaimOneAsync(parent);

        await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(60)));

        (await GetAsync(child)).State.ShouldBe(JobState.Cancelled);
    }

    [Fact]
    public async Task After_AParentThatAlreadyEndedBadly_StartsTheJobCancelled()
    {
        var dead = await InsertFinishedAsync(JobOutcome.Dead);
        var cancelled = await InsertAsync(TestJobs.New());
        await Store.CancelJobAsync(new JobIdParams(cancelled, TestTime.At(1)));

        var ids = await InsertManyAsync(TestJobs.New(after: dead), TestJobs.New(after: cancelled));

        foreach (var id in ids)
        {
            var job = await GetAsync(id);
            job.State.ShouldBe(JobState.Cancelled);
            job.FinishedAt.ShouldBe(TestTime.T0);
            job.Errors.Single().Type.ShouldBe(JobError.DependencyFailedType);
        }
    }

    [Fact]
    public async Task After_AnUnknownParent_ThrowsAndInsertsNothing()
    {
        var insert = () => Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(), TestJobs.New(after: 987_654_321)], TestTime.T0));

        var error = await Should.ThrowAsync<JobNotFoundException>(insert);

        error.JobId.ShouldBe(987_654_321);
        (await Store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();
    }
}
