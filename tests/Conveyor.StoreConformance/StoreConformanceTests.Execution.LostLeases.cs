using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task RescueExpiredLeases_BuriesTheJobAtTheCapOfLostLeases_WhileAttemptsRemain()
    {
        var id = await InsertAsync(TestJobs.New(maxAttempts: 10));

        (await LoseLeaseAsync(id, round: 1, maxLostLeases: 3)).ShouldBe(new RescuedJob(id, Node1, JobState.Available));
        (await LoseLeaseAsync(id, round: 2, maxLostLeases: 3)).ShouldBe(new RescuedJob(id, Node1, JobState.Available));
        (await LoseLeaseAsync(id, round: 3, maxLostLeases: 3)).ShouldBe(new RescuedJob(id, Node1, JobState.Dead));

        var job = await GetAsync(id);
        job.State.ShouldBe(JobState.Dead);
        job.Attempt.ShouldBe(3);
        job.FinishedAt.ShouldBe(LostAt(3));
        job.Node.ShouldBe(Node1);
        job.Errors.ShouldBe([
            JobError.LeaseExpired(1, LostAt(1), Node1), JobError.LeaseExpired(2, LostAt(2), Node1), JobError.LeaseExpired(3, LostAt(3), Node1)]);
        (await CountsAsync()).GetValueOrDefault(JobState.Dead).ShouldBe(1);
        (await ClaimAsync(now: ClaimedAt(4))).ShouldBeEmpty();
    }

    [Fact]
    public async Task RescueExpiredLeases_UnderAHigherCap_TheJobIsAvailableAfterThreeLostLeases()
    {
        var id = await InsertAsync(TestJobs.New(maxAttempts: 10));

        for (var round = 1; round <= 3; round++)
            (await LoseLeaseAsync(id, round, maxLostLeases: 5)).State.ShouldBe(JobState.Available);

        var job = await GetAsync(id);
        job.State.ShouldBe(JobState.Available);
        job.Attempt.ShouldBe(3);
        job.Errors.Count.ShouldBe(3);
        (await ClaimOneAsync(id, now: ClaimedAt(4))).Attempt.ShouldBe(4);
    }

    [Fact]
    public async Task RescueExpiredLeases_CountsOnlyLostLeases_NotFailuresTheHandlerReported()
    {
        var id = await InsertAsync(TestJobs.New(maxAttempts: 10));
        for (var round = 1; round <= 2; round++)
        {
            var claimed = await ClaimOneAsync(id, now: ClaimedAt(round));
            await CompleteAsync(claimed, JobOutcome.Retry, now: ClaimedAt(round).AddSeconds(1),
                error: TestJobs.Error(round, ClaimedAt(round).AddSeconds(1)), retryAt: ClaimedAt(round).AddSeconds(2));
            (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(ClaimedAt(round).AddSeconds(2)))).ShouldBe(1);
        }

        (await LoseLeaseAsync(id, round: 3, maxLostLeases: 3)).State.ShouldBe(JobState.Available);

        var job = await GetAsync(id);
        job.Attempt.ShouldBe(3);
        job.Errors.Select(e => e.Type).ShouldBe([TestJobs.Error(1, TestTime.T0).Type, TestJobs.Error(2, TestTime.T0).Type, JobError.LeaseExpiredType]);
    }

    [Fact]
    public async Task RescueExpiredLeases_ExhaustedAttemptsBuryTheJob_BeforeTheCapOfLostLeases()
    {
        var id = await InsertAsync(TestJobs.New(maxAttempts: 2));

        (await LoseLeaseAsync(id, round: 1, maxLostLeases: 1000)).State.ShouldBe(JobState.Available);
        (await LoseLeaseAsync(id, round: 2, maxLostLeases: 1000)).State.ShouldBe(JobState.Dead);

        var job = await GetAsync(id);
        job.Attempt.ShouldBe(2);
        job.FinishedAt.ShouldBe(LostAt(2));
    }

    [Fact]
    public async Task RescueExpiredLeases_AJobBuriedByTheCap_CancelsTheJobsWaitingOnIt()
    {
        var parent = await InsertAsync(TestJobs.New(maxAttempts: 10));
        var child = await InsertAsync(TestJobs.New(after: parent));

        (await LoseLeaseAsync(parent, round: 1, maxLostLeases: 1)).State.ShouldBe(JobState.Dead);

        var waiting = await GetAsync(child);
        waiting.State.ShouldBe(JobState.Cancelled);
        waiting.Errors.Single().Type.ShouldBe(JobError.DependencyFailedType);
    }

    [Fact]
    public async Task RescueExpiredLeases_RefusesACapBelowOne_AndChangesNothing()
    {
        var claimed = await InsertAndClaimAsync();

        var refused = await Should.ThrowAsync<ArgumentOutOfRangeException>(
            async () => await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(31), MaxLostLeases: 0)));

        refused.ParamName.ShouldBe(nameof(RescueExpiredLeasesParams.MaxLostLeases));
        (await GetAsync(claimed.Id)).State.ShouldBe(JobState.Running);
    }

    private static DateTimeOffset ClaimedAt(int round) => TestTime.At(100 * round);

    private static DateTimeOffset LostAt(int round) => ClaimedAt(round) + DefaultLease + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task RescueExpiredLeases_OneShortOfTheCap_PutsTheJobBackAtARandomTimeWithinTheSpread()
    {
        var spread = TimeSpan.FromSeconds(10);
        var ids = await InsertManyAsync([.. Enumerable.Range(0, 8).Select(_ => TestJobs.New(maxAttempts: 10))]);
        // Round 1: the eight lose their lease together (one node's crash): charged once, back at once.
        (await ClaimAsync(now: ClaimedAt(1), limit: 9)).Count.ShouldBe(8);
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(LostAt(1), MaxLostLeases: 3, SuspectSpread: spread)))
            .Select(r => r.State).ShouldAllBe(s => s == JobState.Available);

        // Round 2: they crash together again; one short of the cap, each is put back at a random time within the spread.
        (await ClaimAsync(now: ClaimedAt(2), limit: 9)).Count.ShouldBe(8);
        var rescued = await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(LostAt(2), MaxLostLeases: 3, SuspectSpread: spread));
        rescued.Select(r => r.State).ShouldAllBe(s => s == JobState.Retrying);
        var runAts = new List<DateTimeOffset>();
        foreach (var id in ids)
        {
            var job = await GetAsync(id);
            job.State.ShouldBe(JobState.Retrying);
            job.Node.ShouldBeNull();
            job.RunAt.ShouldBeInRange(LostAt(2), LostAt(2) + spread);
            runAts.Add(job.RunAt);
        }
        runAts.Distinct().Count().ShouldBeGreaterThan(1, "the eight are spread, not put back together");
        (await ClaimAsync(now: LostAt(2), limit: 9)).ShouldBeEmpty();

        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(LostAt(2) + spread))).ShouldBe(8);
        var last = await ClaimAsync(now: LostAt(2) + spread, limit: 9);
        last.Select(c => c.Attempt).ShouldAllBe(a => a == 3);
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(LostAt(2) + spread + DefaultLease + TimeSpan.FromSeconds(1), MaxLostLeases: 3, SuspectSpread: spread)))
            .Select(r => r.State).ShouldAllBe(s => s == JobState.Dead);
    }

    [Fact]
    public async Task RescueExpiredLeases_WithoutASpread_PutsTheJobOneShortOfTheCapBackAtOnce()
    {
        var id = await InsertAsync(TestJobs.New(maxAttempts: 10));
        await LoseLeaseAsync(id, round: 1, maxLostLeases: 3);
        (await LoseLeaseAsync(id, round: 2, maxLostLeases: 3)).State.ShouldBe(JobState.Available);
        (await GetAsync(id)).RunAt.ShouldBe(TestTime.T0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Claim_SaysHowManyLeasesTheJobLost_NotCountingFailuresTheHandlerReported(bool limitedQueue)
    {
        // A limited queue is claimed by a statement of its own; both must say it.
        if (limitedQueue) await LimitAsync(new QueueLimits(GlobalLimit: 5));
        var id = await InsertAsync(TestJobs.New(maxAttempts: 10));

        var first = await ClaimOneAsync(id, now: ClaimedAt(1));
        first.LostLeases.ShouldBe(0);
        await CompleteAsync(first, JobOutcome.Retry, now: ClaimedAt(1).AddSeconds(1),
            error: TestJobs.Error(1, ClaimedAt(1).AddSeconds(1)), retryAt: ClaimedAt(1).AddSeconds(2));
        (await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(ClaimedAt(1).AddSeconds(2)))).ShouldBe(1);
        (await LoseLeaseAsync(id, round: 2, maxLostLeases: 5)).State.ShouldBe(JobState.Available);
        (await LoseLeaseAsync(id, round: 3, maxLostLeases: 5)).State.ShouldBe(JobState.Available);

        var claimed = await ClaimOneAsync(id, now: ClaimedAt(4));
        claimed.Attempt.ShouldBe(4);
        claimed.LostLeases.ShouldBe(2, "two leases lost; the reported failure does not count");
        (await InsertAndClaimAsync(now: ClaimedAt(4))).LostLeases.ShouldBe(0, "a new job lost none");
    }

    [Fact]
    public async Task Complete_ReleasedWithATime_GivesTheAttemptBack_AndTheJobIsClaimableOnlyFromThen()
    {
        var claimed = await InsertAndClaimAsync(now: TestTime.At(1));
        var until = TestTime.At(60);

        await CompleteAsync(claimed, JobOutcome.Released, now: TestTime.At(2), retryAt: until);

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Available);
        job.Attempt.ShouldBe(0);
        job.Node.ShouldBeNull();
        job.RunAt.ShouldBe(until);
        job.Errors.ShouldBeEmpty();
        (await ClaimAsync(now: TestTime.At(59))).ShouldBeEmpty();
        (await ClaimOneAsync(claimed.Id, node: Node2, now: until)).Attempt.ShouldBe(1);
    }

    /// <summary>Claims the job in round <paramref name="round"/>, lets its lease run out and rescues it.</summary>
    private async Task<RescuedJob> LoseLeaseAsync(long id, int round, int maxLostLeases)
    {
        (await ClaimOneAsync(id, now: ClaimedAt(round))).Attempt.ShouldBe(round);
        var rescued = await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(LostAt(round), MaxLostLeases: maxLostLeases));
        return rescued.ShouldHaveSingleItem();
    }
}
