using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task ExtendLeases_ExtendsOnlyThisNodesRunningJobs()
    {
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New(), TestJobs.New());
        await ClaimAsync(node: Node1, limit: 2);
        await ClaimAsync(node: Node2, limit: 1);

        var lost = await Store.ExtendLeasesAsync(new ExtendLeasesParams(Node1, ids, TestTime.At(20), TestTime.At(100)));

        lost.ShouldBe([ids[2]]);
        (await GetAsync(ids[0])).LeaseExpiresAt.ShouldBe(TestTime.At(100));
        (await GetAsync(ids[1])).LeaseExpiresAt.ShouldBe(TestTime.At(100));
        (await GetAsync(ids[2])).LeaseExpiresAt.ShouldBe(TestTime.At(30));
        var rescued = await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(50)));
        rescued.Select(r => r.Id).ShouldBe([ids[2]]);
    }

    [Fact]
    public async Task ExtendLeases_ReturnsTheJobsTheNodeNoLongerHolds()
    {
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New(), TestJobs.New(), TestJobs.New(), TestJobs.New());
        (await ClaimAsync(limit: 1, lease: TimeSpan.FromSeconds(10))).Single().Id.ShouldBe(ids[0]);
        (await ClaimAsync(limit: 4, lease: TimeSpan.FromSeconds(60))).Count.ShouldBe(4);
        var rescued = ids[0];
        var cancelled = ids[1];
        var deleted = ids[2];
        var kept = ids[3];
        var succeeded = ids[4];
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(20)))).Single().Id.ShouldBe(rescued);
        await Store.CancelJobAsync(new JobIdParams(cancelled, TestTime.At(20)));
        await Store.CancelJobAsync(new JobIdParams(deleted, TestTime.At(20)));
        (await Store.DeleteJobAsync(new JobIdParams(deleted, TestTime.At(20)))).Status.ShouldBe(JobChangeStatus.Done);
        await Store.CompleteManyAsync(new CompleteJobsParams(Node1, [new JobCompletion(succeeded, 1, JobOutcome.Succeeded)], TestTime.At(20)));

        var lost = await Store.ExtendLeasesAsync(new ExtendLeasesParams(Node1, [.. ids, 987_654_321], TestTime.At(30), TestTime.At(90)));

        lost.ShouldBe([rescued, cancelled, deleted, succeeded, 987_654_321], ignoreOrder: true);
        (await GetAsync(kept)).LeaseExpiresAt.ShouldBe(TestTime.At(90));
    }

    [Fact]
    public async Task RescueExpiredLeases_ChargesTheAttemptAndMakesTheJobAvailable()
    {
        var claimed = await InsertAndClaimAsync(TestJobs.New(maxAttempts: 3), lease: TimeSpan.FromSeconds(30));

        var rescued = await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(31)));

        rescued.ShouldBe([new RescuedJob(claimed.Id, Node1, JobState.Available)]);
        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Available);
        job.Attempt.ShouldBe(1);
        job.Node.ShouldBeNull();
        job.LeaseExpiresAt.ShouldBeNull();
        job.Errors.ShouldBe([new JobError(1, TestTime.At(31), JobError.LeaseExpiredType, "lease expired (node node-1 lost)")]);
        (await ClaimOneAsync(claimed.Id, node: Node2, now: TestTime.At(32))).Attempt.ShouldBe(2);
    }

    [Fact]
    public async Task RescueExpiredLeases_BuriesTheJobWhenAttemptsAreExhausted()
    {
        var claimed = await InsertAndClaimAsync(TestJobs.New(maxAttempts: 1));

        var rescued = await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(31)));

        rescued.ShouldBe([new RescuedJob(claimed.Id, Node1, JobState.Dead)]);
        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Dead);
        job.FinishedAt.ShouldBe(TestTime.At(31));
        job.Errors.ShouldBe([JobError.LeaseExpired(1, TestTime.At(31), Node1)]);
    }

    [Fact]
    public async Task RescueExpiredLeases_LeavesLeasesThatHaveNotRunOut()
    {
        var claimed = await InsertAndClaimAsync(lease: TimeSpan.FromSeconds(30));

        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(29)))).ShouldBeEmpty();
        await Store.ExtendLeasesAsync(new ExtendLeasesParams(Node1, [claimed.Id], TestTime.At(29), TestTime.At(59)));
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(45)))).ShouldBeEmpty();

        (await GetAsync(claimed.Id)).State.ShouldBe(JobState.Running);
    }

    [Fact]
    public async Task RescueExpiredLeases_AfterManyExtensions_RescuesOnceAtTheLastLeaseEnd_AndNeverAJobThatFinished()
    {
        // A store may keep its lease index lazily (the memory store does): every earlier lease end must be forgotten.
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New());
        var claimed = await ClaimAsync(limit: 2);
        claimed.Select(c => c.Id).ShouldBe(ids);
        var extended = ids[0];
        var finished = ids[1];
        for (var i = 1; i <= 25; i++)
        {
            var lost = await Store.ExtendLeasesAsync(new ExtendLeasesParams(Node1, ids, TestTime.At(i), TestTime.At(30 + i)));
            lost.ShouldBeEmpty();
        }
        await CompleteAsync(claimed[1], JobOutcome.Succeeded, now: TestTime.At(26));

        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(40)))).ShouldBeEmpty();
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(55)))).ShouldBeEmpty();
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(56)))).Select(r => r.Id).ShouldBe([extended]);
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(1_000)))).ShouldBeEmpty();
        (await GetAsync(finished)).State.ShouldBe(JobState.Succeeded);
    }

    [Fact]
    public async Task RescueExpiredLeases_RespectsLimit()
    {
        await InsertManyAsync(TestJobs.New(), TestJobs.New(), TestJobs.New());
        (await ClaimAsync(limit: 3)).Count.ShouldBe(3);

        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(40), Limit: 2))).Count.ShouldBe(2);
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(40), Limit: 2))).Count.ShouldBe(1);
    }

    [Fact]
    public async Task ReportProgress_StoresProgressOfTheRunningAttempt()
    {
        var claimed = await InsertAndClaimAsync();

        await Store.ReportProgressAsync(new ReportProgressParams(claimed.Id, Node1, 1, 40, "page 4 of 10"));
        (await GetAsync(claimed.Id)).Progress.ShouldBe(new JobProgress(40, "page 4 of 10"));

        await Store.ReportProgressAsync(new ReportProgressParams(claimed.Id, Node1, 1, null, "almost"));
        (await GetAsync(claimed.Id)).Progress.ShouldBe(new JobProgress(null, "almost"));
    }

    [Fact]
    public async Task Progress_BelongsToItsAttempt_AndIsClearedWhenTheJobIsAvailableAgain()
    {
        // Released at shutdown, rescued after a lost lease, retried after it died: the stopped attempt's progress goes.
        var released = await InsertAndClaimAsync(TestJobs.New(maxAttempts: 3), lease: TimeSpan.FromSeconds(30));
        var rescued = await InsertAndClaimAsync(TestJobs.New(maxAttempts: 3), lease: TimeSpan.FromSeconds(5));
        var buried = await InsertAndClaimAsync(TestJobs.New(maxAttempts: 1), lease: TimeSpan.FromSeconds(5));
        var retried = await InsertAndClaimAsync(TestJobs.New(maxAttempts: 3), lease: TimeSpan.FromSeconds(30));
        foreach (var job in new[] { released, rescued, buried, retried })
            await Store.ReportProgressAsync(new ReportProgressParams(job.Id, Node1, 1, 40, "page 4 of 10"));

        await CompleteAsync(released, JobOutcome.Released);
        await CompleteAsync(retried, JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));
        await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(10)));
        await Store.RetryJobAsync(new JobIdParams(retried.Id, TestTime.At(11)));

        (await GetAsync(released.Id)).Progress.ShouldBeNull();
        (await GetAsync(rescued.Id)).Progress.ShouldBeNull();
        (await GetAsync(retried.Id)).Progress.ShouldBeNull();
        // A job the rescue buried keeps what its last attempt reported, as a dead job from a completion does.
        (await GetAsync(buried.Id)).State.ShouldBe(JobState.Dead);
        (await GetAsync(buried.Id)).Progress.ShouldBe(new JobProgress(40, "page 4 of 10"));
    }

    [Fact]
    public async Task ReportProgress_IsFencedByNodeAttemptAndState()
    {
        var claimed = await InsertAndClaimAsync();
        await Store.ReportProgressAsync(new ReportProgressParams(claimed.Id, Node1, 1, 10, "mine"));

        await Store.ReportProgressAsync(new ReportProgressParams(claimed.Id, Node2, 1, 50, "other node"));
        await Store.ReportProgressAsync(new ReportProgressParams(claimed.Id, Node1, 2, 60, "other attempt"));
        await Store.ReportProgressAsync(new ReportProgressParams(987_654_321, Node1, 1, 70, "no such job"));
        (await GetAsync(claimed.Id)).Progress.ShouldBe(new JobProgress(10, "mine"));

        await Store.CancelJobAsync(new JobIdParams(claimed.Id, TestTime.At(1)));
        await Store.ReportProgressAsync(new ReportProgressParams(claimed.Id, Node1, 1, 90, "after cancel"));
        (await GetAsync(claimed.Id)).Progress.ShouldBe(new JobProgress(10, "mine"));
    }
}
