using Conveyor.Storage;

namespace Conveyor.Tests.Storage;

// The life cycle's decisions, made once in the core for every store (the stores' behaviour is in the conformance suite).
public sealed class JobLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static JobInfo Job(JobState state) => new()
    {
        Id = 7, Kind = "k", Queue = "q", State = state, ArgsJson = "{}", RunAt = Now, CreatedAt = Now, Attempt = 2, MaxAttempts = 3,
    };

    [Theory]
    [InlineData(JobAction.Cancel, "scheduled,waiting,available,running,retrying")]
    [InlineData(JobAction.Retry, "scheduled,retrying,dead,cancelled")]
    [InlineData(JobAction.Delete, "scheduled,waiting,available,retrying,succeeded,dead,cancelled")]
    public void Allows_ExactlyTheStatesOfTheContract(JobAction action, string allowed)
    {
        var expected = allowed.Split(',');
        foreach (var state in JobStates.All)
            JobLifecycle.Allows(action, state).ShouldBe(expected.Contains(state.ToWireName()), $"{action} of a {state.ToWireName()} job");
    }

    [Fact]
    public void Refuse_MissingJob_IsNotFound_ForbiddenState_IsNotAllowedWithTheJob()
    {
        JobLifecycle.Refuse(JobAction.Cancel, null)!.Status.ShouldBe(JobChangeStatus.NotFound);
        var done = Job(JobState.Succeeded);
        var refused = JobLifecycle.Refuse(JobAction.Cancel, done)!;
        refused.Status.ShouldBe(JobChangeStatus.NotAllowed);
        refused.Job.ShouldBeSameAs(done);
        JobLifecycle.Refuse(JobAction.Delete, done).ShouldBeNull();
    }

    [Fact]
    public void DecideRetry_OfAJobThatStillHoldsItsPlace_AsksNothing()
    {
        var scheduled = Job(JobState.Scheduled) with { UniqueKey = "u", OrderingKey = "o", AfterJobId = 3 };
        JobLifecycle.RetryNeedsFacts(scheduled).ShouldBeFalse();
        JobLifecycle.DecideRetry(scheduled, new RetryFacts(1, 2, JobState.Dead), Now).ShouldBe(new RetryDecision(null, JobState.Available));
    }

    [Fact]
    public void DecideRetry_ChecksInOrder_Stopping_Unique_Ordering_Parent()
    {
        var all = Job(JobState.Cancelled) with
        {
            UniqueKey = "u", OrderingKey = "o", AfterJobId = 3, Node = "n1", LeaseExpiresAt = Now.AddSeconds(5),
        };
        var facts = new RetryFacts(UniqueKeyHolder: 10, RunningLaterOfOrderingKey: 11, ParentState: JobState.Dead);

        Reason(all, facts).ShouldContain("may still be stopping");
        Reason(all with { LeaseExpiresAt = Now }, facts).ShouldBe("job 10 holds its unique key 'u'");
        Reason(all with { LeaseExpiresAt = null }, facts with { UniqueKeyHolder = null })
            .ShouldBe("job 11 of its ordering key 'o' is running; retry once it has ended");
        Reason(all with { LeaseExpiresAt = null }, facts with { UniqueKeyHolder = null, RunningLaterOfOrderingKey = null })
            .ShouldBe("job 3 it waits for ended dead; retry that job first");
        Reason(all with { LeaseExpiresAt = null }, new RetryFacts(null, null, null))
            .ShouldBe("job 3 it waits for was deleted, so it can never run");
    }

    [Theory]
    [InlineData(JobState.Succeeded, JobState.Available)]
    [InlineData(JobState.Running, JobState.Waiting)]
    [InlineData(JobState.Waiting, JobState.Waiting)]
    public void DecideRetry_ADeadJobWhoseParentHasNotFailed_RunsOrWaits(JobState parent, JobState expected)
    {
        var dead = Job(JobState.Dead) with { AfterJobId = 3 };
        var decision = JobLifecycle.DecideRetry(dead, new RetryFacts(null, null, parent), Now);
        decision.Refusal.ShouldBeNull();
        decision.State.ShouldBe(expected);
    }

    [Theory]
    [InlineData(true, JobState.Waiting)]
    [InlineData(false, JobState.Available)]
    public void DecideRetry_ACancelledBatchCallback_WaitsWhileItsBatchIsOpen(bool open, JobState expected)
    {
        var decision = JobLifecycle.DecideRetry(Job(JobState.Cancelled), new RetryFacts(null, null, null, CallbackOfOpenBatch: open), Now);
        decision.Refusal.ShouldBeNull();
        decision.State.ShouldBe(expected);
    }

    [Theory]
    [InlineData(0, 3, false)]
    [InlineData(1, 3, false)]
    [InlineData(2, 3, true)]
    [InlineData(3, 3, true)]
    [InlineData(1, 2, true)]
    [InlineData(0, 1, false)]
    [InlineData(1, 1, true)]
    public void IsSuspect_OneLostLeaseShortOfTheCap_OrPast_ButNeverWithoutALostLease(int lost, int cap, bool suspect) =>
        JobLifecycle.IsSuspect(lost, cap).ShouldBe(suspect);

    [Theory]
    [InlineData(1, 11)]
    [InlineData(60, 120)]
    public void RateLimit_KeepsStartsForTheWindowAndAMarginOfAPeriod_AtLeast10s(int periodSeconds, int keptSeconds) =>
        new RateLimit(5, TimeSpan.FromSeconds(periodSeconds)).StartLogRetention.ShouldBe(TimeSpan.FromSeconds(keptSeconds));

    [Fact]
    public void WakesQueue_WhenTheChangeFreesWhatAClaimWaitsFor()
    {
        var keyed = Job(JobState.Available) with { OrderingKey = "o" };
        JobLifecycle.WakesQueue(JobAction.Cancel, keyed, JobState.Cancelled).ShouldBeTrue();
        JobLifecycle.WakesQueue(JobAction.Cancel, Job(JobState.Available), JobState.Cancelled).ShouldBeFalse();
        JobLifecycle.WakesQueue(JobAction.Delete, keyed, null).ShouldBeTrue();
        JobLifecycle.WakesQueue(JobAction.Delete, keyed with { State = JobState.Dead }, null).ShouldBeFalse();
        JobLifecycle.WakesQueue(JobAction.Retry, Job(JobState.Dead), JobState.Available).ShouldBeTrue();
        JobLifecycle.WakesQueue(JobAction.Retry, Job(JobState.Dead), JobState.Waiting).ShouldBeFalse();
    }

    [Theory]
    [InlineData(1, 10, 1, 3, 30, JobState.Available)]
    [InlineData(2, 10, 2, 3, 30, JobState.Retrying)] // one short of the cap: its last chance apart
    [InlineData(2, 10, 2, 3, 0, JobState.Available)] // no spread: back at once
    [InlineData(3, 10, 3, 3, 30, JobState.Dead)] // the cap
    [InlineData(5, 5, 1, 3, 30, JobState.Dead)] // attempts spent
    [InlineData(1, 10, 1, 1, 30, JobState.Dead)] // a cap of one: never back
    public void RescuedState_BuriesAtTheCapOrLastAttempt_AndSpreadsTheLastChance(int attempt, int maxAttempts, int lost, int cap, int spreadSeconds, JobState expected) =>
        JobLifecycle.RescuedState(attempt, maxAttempts, lost, new RescueExpiredLeasesParams(Now, MaxLostLeases: cap, SuspectSpread: TimeSpan.FromSeconds(spreadSeconds)))
            .ShouldBe(expected);

    private static string Reason(JobInfo job, RetryFacts facts)
    {
        var decision = JobLifecycle.DecideRetry(job, facts, Now);
        decision.Refusal.ShouldNotBeNull();
        decision.Refusal.Status.ShouldBe(JobChangeStatus.Conflict);
        decision.Refusal.Job.ShouldBeSameAs(job);
        return decision.Refusal.Reason!;
    }
}
