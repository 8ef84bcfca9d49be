using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task UniqueKey_ReturnsTheExistingJobWhileItIsNotFinal()
    {
        var first = await InsertAsync(TestJobs.New(uniqueKey: "u"));

        var again = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "u", argsJson: """{"second":true}""")], TestTime.At(1)));
        again.ShouldBe([new InsertedJob(first, Existing: true)]);

        await ClaimOneAsync(first);
        var whileRunning = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "u")], TestTime.At(2)));
        whileRunning.ShouldBe([new InsertedJob(first, Existing: true)]);

        (await Store.ListJobsAsync(new ListJobsParams())).Jobs.Count.ShouldBe(1);
    }

    [Fact]
    public async Task UniqueKey_DedupesWithinOneInsertManyCall()
    {
        var inserted = await Store.InsertManyAsync(new InsertJobsParams(
            [TestJobs.New(uniqueKey: "u"), TestJobs.New(uniqueKey: "u"), TestJobs.New(uniqueKey: "v"), TestJobs.New()], TestTime.T0));

        inserted[0].Existing.ShouldBeFalse();
        inserted[1].ShouldBe(new InsertedJob(inserted[0].Id, Existing: true));
        inserted[2].Existing.ShouldBeFalse();
        inserted[3].Existing.ShouldBeFalse();
        inserted.Select(i => i.Id).Distinct().Count().ShouldBe(3);
        (await Store.ListJobsAsync(new ListJobsParams())).Jobs.Count.ShouldBe(3);
    }

    [Fact]
    public async Task UniqueKey_DoesNotDedupeAgainstFinalJobs()
    {
        var succeeded = await InsertFinishedAsync(JobOutcome.Succeeded, job: TestJobs.New(uniqueKey: "s"));
        var dead = await InsertFinishedAsync(JobOutcome.Dead, job: TestJobs.New(uniqueKey: "d"));
        var cancelled = await InsertAsync(TestJobs.New(uniqueKey: "c"));
        await Store.CancelJobAsync(new JobIdParams(cancelled, TestTime.At(1)));

        var inserted = await Store.InsertManyAsync(new InsertJobsParams(
            [TestJobs.New(uniqueKey: "s"), TestJobs.New(uniqueKey: "d"), TestJobs.New(uniqueKey: "c")], TestTime.At(2)));

        inserted.ShouldAllBe(i => !i.Existing);
        inserted.Select(i => i.Id).ShouldNotContain(succeeded);
        inserted.Select(i => i.Id).ShouldNotContain(dead);
        inserted.Select(i => i.Id).ShouldNotContain(cancelled);
    }

    [Fact]
    public async Task UniqueFor_KeepsTheKeyTakenAfterSuccessUntilThePeriodEnds()
    {
        var first = await InsertFinishedAsync(JobOutcome.Succeeded, finishedAt: TestTime.At(10),
            job: TestJobs.New(uniqueKey: "daily", uniqueFor: TimeSpan.FromHours(1)));

        var during = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "daily", uniqueFor: TimeSpan.FromHours(1))], TestTime.At(1800)));
        during.ShouldBe([new InsertedJob(first, Existing: true)]);

        var after = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "daily", uniqueFor: TimeSpan.FromHours(1))], TestTime.At(3611)));
        after[0].Existing.ShouldBeFalse();
        after[0].Id.ShouldNotBe(first);
    }

    [Fact]
    public async Task UniqueFor_PruneKeepsASucceededJobUntilItsUniquePeriodEndedBeforeTheCutOff()
    {
        var holder = await InsertFinishedAsync(JobOutcome.Succeeded, finishedAt: TestTime.At(10),
            job: TestJobs.New(uniqueKey: "daily", uniqueFor: TimeSpan.FromHours(1)));
        var plain = await InsertFinishedAsync(JobOutcome.Succeeded, finishedAt: TestTime.At(20));
        var dead = await InsertFinishedAsync(JobOutcome.Dead, finishedAt: TestTime.At(10),
            job: TestJobs.New(uniqueKey: "dead", uniqueFor: TimeSpan.FromHours(1)));
        var during = TestTime.At(1800);

        // The holder is the oldest job: the prune passes it and takes the ones behind it.
        (await Store.PruneJobsAsync(new PruneJobsParams(during, during, during))).ShouldBe(2);
        (await Store.GetJobAsync(new GetJobParams(plain))).ShouldBeNull();
        (await Store.GetJobAsync(new GetJobParams(dead))).ShouldBeNull();
        (await Store.PruneJobsAsync(new PruneJobsParams(during, during, during))).ShouldBe(0);
        var again = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "daily", uniqueFor: TimeSpan.FromHours(1))], during));
        again.ShouldBe([new InsertedJob(holder, Existing: true)]);

        var after = TestTime.At(3611);
        (await Store.PruneJobsAsync(new PruneJobsParams(after, after, after))).ShouldBe(1);
        (await Store.GetJobAsync(new GetJobParams(holder))).ShouldBeNull();
    }

    [Fact]
    public async Task UniqueKey_ARetriedJobHoldsItsKeyAgain()
    {
        var dead = await InsertFinishedAsync(JobOutcome.Dead, job: TestJobs.New(uniqueKey: "u"));
        await Store.RetryJobAsync(new JobIdParams(dead, TestTime.At(5)));

        var again = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "u")], TestTime.At(6)));

        again.ShouldBe([new InsertedJob(dead, Existing: true)]);
    }

    [Fact]
    public async Task UniqueFor_DoesNotHoldTheKeyAfterTheJobDied()
    {
        var dead = await InsertFinishedAsync(JobOutcome.Dead, finishedAt: TestTime.At(10),
            job: TestJobs.New(uniqueKey: "daily", uniqueFor: TimeSpan.FromHours(1)));

        var again = await Store.InsertManyAsync(new InsertJobsParams([TestJobs.New(uniqueKey: "daily")], TestTime.At(20)));

        again[0].Existing.ShouldBeFalse();
        again[0].Id.ShouldNotBe(dead);
    }
}
