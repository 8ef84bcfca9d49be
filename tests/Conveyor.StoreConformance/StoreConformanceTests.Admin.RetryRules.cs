using Conveyor.Storage;

namespace Conveyor.StoreConformance;

/// <summary>A dead or cancelled job runs again only under the rules it was enqueued under (IJobStore.RetryJobAsync).</summary>
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Retry_AJobWhoseUniqueKeyAnotherJobHolds_IsAConflict_AndChangesNothing()
    {
        var first = await InsertAsync(TestJobs.New(uniqueKey: "u"));
        await Store.CancelJobAsync(new JobIdParams(first, TestTime.At(1)));
        var second = await InsertAsync(TestJobs.New(uniqueKey: "u"));

        var result = await Store.RetryJobAsync(new JobIdParams(first, TestTime.At(2)));

        result.Status.ShouldBe(JobChangeStatus.Conflict);
        result.Reason.ShouldNotBeNull().ShouldContain($"job {second}");
        result.Job.ShouldNotBeNull().State.ShouldBe(JobState.Cancelled);
        (await GetAsync(first)).State.ShouldBe(JobState.Cancelled);
        var again = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "u")], TestTime.At(3)));
        again.ShouldBe([new InsertedJob(second, Existing: true)]);

        // Once the holder is final (and holds no unique period), the retry may go.
        await CompleteAsync(await ClaimOneAsync(second, now: TestTime.At(3)), JobOutcome.Succeeded, now: TestTime.At(4), resultJson: "{}");
        (await Store.RetryJobAsync(new JobIdParams(first, TestTime.At(5)))).Status.ShouldBe(JobChangeStatus.Done);
        (await GetAsync(first)).State.ShouldBe(JobState.Available);
    }

    [Fact]
    public async Task Retry_AJobWhoseUniqueKeyASucceededJobHoldsForItsPeriod_IsAConflict()
    {
        var dead = await InsertFinishedAsync(JobOutcome.Dead, job: TestJobs.New(uniqueKey: "p"));
        var succeeded = await InsertFinishedAsync(JobOutcome.Succeeded, finishedAt: TestTime.At(2),
            job: TestJobs.New(uniqueKey: "p", uniqueFor: TimeSpan.FromHours(1)));

        var result = await Store.RetryJobAsync(new JobIdParams(dead, TestTime.At(10)));

        result.Status.ShouldBe(JobChangeStatus.Conflict);
        result.Reason.ShouldNotBeNull().ShouldContain($"job {succeeded}");
        (await GetAsync(dead)).State.ShouldBe(JobState.Dead);
        (await Store.RetryJobAsync(new JobIdParams(dead, TestTime.At(2).AddHours(1).AddSeconds(1)))).Status.ShouldBe(JobChangeStatus.Done);
    }

    [Fact]
    public async Task Retry_AnEarlierJobOfAnOrderingKey_WhileALaterOneRuns_IsAConflict()
    {
        var ids = await InsertManyAsync(TestJobs.New(orderingKey: "k"), TestJobs.New(orderingKey: "k"));
        await CompleteAsync(await ClaimOneAsync(ids[0]), JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));
        var later = await ClaimOneAsync(ids[1], now: TestTime.At(2));

        var result = await Store.RetryJobAsync(new JobIdParams(ids[0], TestTime.At(3)));

        // Made available, the earlier job would be claimable beside the running one: two of one key at once.
        result.Status.ShouldBe(JobChangeStatus.Conflict);
        result.Reason.ShouldNotBeNull().ShouldContain($"job {ids[1]}");
        (await GetAsync(ids[0])).State.ShouldBe(JobState.Dead);
        (await ClaimAsync(now: TestTime.At(3), node: Node2)).ShouldBeEmpty();

        await CompleteAsync(later, JobOutcome.Succeeded, now: TestTime.At(4), resultJson: "{}");
        (await Store.RetryJobAsync(new JobIdParams(ids[0], TestTime.At(5)))).Status.ShouldBe(JobChangeStatus.Done);
        (await ClaimAsync(now: TestTime.At(5), limit: 10)).Select(c => c.Id).ShouldBe([ids[0]]);
    }

    [Fact]
    public async Task Retry_AJobWhoseParentHasNotEnded_WaitsForItAgain()
    {
        var parent = await InsertAsync(TestJobs.New());
        var child = await InsertAsync(TestJobs.New(after: parent));
        await Store.CancelJobAsync(new JobIdParams(child, TestTime.At(1)));

        var result = await Store.RetryJobAsync(new JobIdParams(child, TestTime.At(2)));

        result.Status.ShouldBe(JobChangeStatus.Done);
        result.Job.ShouldNotBeNull().State.ShouldBe(JobState.Waiting);
        var running = await ClaimOneAsync(parent, now: TestTime.At(2));
        (await ClaimAsync(now: TestTime.At(2), node: Node2)).ShouldBeEmpty();
        await CompleteAsync(running, JobOutcome.Succeeded, now: TestTime.At(3), resultJson: "{}");

        (await GetAsync(child)).State.ShouldBe(JobState.Available);
        (await ClaimAsync(now: TestTime.At(4))).Select(c => c.Id).ShouldBe([child]);
    }

    [Fact]
    public async Task Retry_AJobWhoseParentEndedBadlyOrWasDeleted_IsAConflict_UntilTheParentSucceeds()
    {
        var parent = await InsertAsync(TestJobs.New());
        var child = await InsertAsync(TestJobs.New(after: parent));
        await CompleteAsync(await ClaimOneAsync(parent), JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));
        (await GetAsync(child)).State.ShouldBe(JobState.Cancelled);

        var refused = await Store.RetryJobAsync(new JobIdParams(child, TestTime.At(2)));

        refused.Status.ShouldBe(JobChangeStatus.Conflict);
        refused.Reason.ShouldNotBeNull().ShouldContain($"job {parent}");
        refused.Reason.ShouldContain("dead");
        (await GetAsync(child)).State.ShouldBe(JobState.Cancelled);

        (await Store.RetryJobAsync(new JobIdParams(parent, TestTime.At(3)))).Status.ShouldBe(JobChangeStatus.Done);
        await CompleteAsync(await ClaimOneAsync(parent, now: TestTime.At(3)), JobOutcome.Succeeded, now: TestTime.At(4), resultJson: "{}");
        (await Store.RetryJobAsync(new JobIdParams(child, TestTime.At(5)))).Job.ShouldNotBeNull().State.ShouldBe(JobState.Available);

        var gone = await InsertAsync(TestJobs.New());
        var orphan = await InsertAsync(TestJobs.New(after: gone));
        (await Store.DeleteJobAsync(new JobIdParams(gone, TestTime.At(6)))).Status.ShouldBe(JobChangeStatus.Done);
        (await GetAsync(orphan)).State.ShouldBe(JobState.Cancelled);
        var never = await Store.RetryJobAsync(new JobIdParams(orphan, TestTime.At(7)));
        never.Status.ShouldBe(JobChangeStatus.Conflict);
        never.Reason.ShouldNotBeNull().ShouldContain("deleted");
        (await GetAsync(orphan)).State.ShouldBe(JobState.Cancelled);
    }

    [Fact]
    public async Task Retry_AJobCancelledWhileRunning_IsAConflict_UntilItsAttemptsLeaseRanOut()
    {
        // Its node stops the handler at its next heartbeat; a new attempt before the lease ran out could run beside it.
        var running = await InsertAndClaimAsync(lease: TimeSpan.FromSeconds(30));
        await Store.CancelJobAsync(new JobIdParams(running.Id, TestTime.At(1)));

        var refused = await Store.RetryJobAsync(new JobIdParams(running.Id, TestTime.At(2)));

        refused.Status.ShouldBe(JobChangeStatus.Conflict);
        refused.Reason.ShouldNotBeNull().ShouldContain("may still be stopping");
        refused.Reason.ShouldContain(Node1);
        (await GetAsync(running.Id)).State.ShouldBe(JobState.Cancelled);

        var retried = await Store.RetryJobAsync(new JobIdParams(running.Id, TestTime.At(31)));
        retried.Status.ShouldBe(JobChangeStatus.Done);
        (await ClaimOneAsync(running.Id, now: TestTime.At(31))).Attempt.ShouldBe(2);
    }

    [Fact]
    public async Task Retry_ClearsTheLastAttemptsNodeAndStart()
    {
        var id = await InsertFinishedAsync(JobOutcome.Dead);
        (await GetAsync(id)).Node.ShouldBe(Node1);

        var job = (await Store.RetryJobAsync(new JobIdParams(id, TestTime.At(10)))).Job.ShouldNotBeNull();

        job.Node.ShouldBeNull();
        job.StartedAt.ShouldBeNull();
        (await GetAsync(id)).Node.ShouldBeNull();
    }
}
