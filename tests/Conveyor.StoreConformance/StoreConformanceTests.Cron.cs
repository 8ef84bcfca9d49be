using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// ICronStore: recurring schedules, and the compare-and-set that fires each tick once.
public abstract partial class StoreConformanceTests
{
    private ICronStore RequireCron() => Require(Store.Cron, "keeps no recurring schedules (IJobStore.Cron is null)");

    private static CronDefinition Schedule(string name = "nightly", string expression = "0 3 * * *", string argsJson = """{"n":1}""", string source = "code") => new()
    {
        Name = name,
        Expression = expression,
        TimeZone = "Europe/Paris",
        Kind = TestJobs.Kind,
        ArgsJson = argsJson,
        OptionsJson = """{"queue":"default"}""",
        MissedTicks = "catch-up",
        Source = source,
    };

    private async Task<CronSchedule> CronAsync(string name = "nightly", ICronStore? cron = null) =>
        (await (cron ?? RequireCron()).ListCronAsync(new ListCronParams())).Single(s => s.Definition.Name == name);

    [SkippableFact]
    public async Task UpsertCron_CreatesTheSchedule_AsGiven_AtVersionOne()
    {
        var cron = RequireCron();
        (await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0))).ShouldBe(CronUpsertOutcome.Created);

        var stored = await CronAsync();
        stored.Definition.ShouldBe(Schedule());
        stored.Version.ShouldBe(1);
        stored.CreatedAt.ShouldBe(TestTime.T0);
        stored.UpdatedAt.ShouldBe(TestTime.T0);
        stored.LastTick.ShouldBeNull();
        stored.LastJobId.ShouldBeNull();
        stored.LastFiredAt.ShouldBeNull();
    }

    [SkippableFact]
    public async Task UpsertCron_OfAnEqualDefinition_ChangesNothing_EvenFromAnotherSource()
    {
        var cron = RequireCron();
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));

        (await cron.UpsertCronAsync(new UpsertCronParams(Schedule(source: "cli"), TestTime.At(60)))).ShouldBe(CronUpsertOutcome.Unchanged);

        var stored = await CronAsync();
        stored.Version.ShouldBe(1);
        stored.UpdatedAt.ShouldBe(TestTime.T0);
        stored.Definition.Source.ShouldBe("code");
    }

    [SkippableFact]
    public async Task UpsertCron_OfAChangedDefinition_ReplacesIt_AndKeepsWhatItLastDid()
    {
        var cron = RequireCron();
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));
        var fired = await cron.FireCronAsync(new FireCronParams("nightly", 1, null, TestTime.At(10), TestJobs.New(runAt: TestTime.At(10)), TestTime.At(11)));

        (await cron.UpsertCronAsync(new UpsertCronParams(Schedule(expression: "*/5 * * * * *", source: "cli"), TestTime.At(60)))).ShouldBe(CronUpsertOutcome.Updated);

        var stored = await CronAsync();
        stored.Definition.ShouldBe(Schedule(expression: "*/5 * * * * *", source: "cli"));
        stored.Version.ShouldBe(2);
        stored.CreatedAt.ShouldBe(TestTime.T0);
        stored.UpdatedAt.ShouldBe(TestTime.At(60));
        stored.LastTick.ShouldBe(TestTime.At(10));
        stored.LastJobId.ShouldBe(fired.JobId);
    }

    [SkippableFact]
    public async Task RemoveCron_DeletesTheSchedule_AndSaysWhetherThereWasOne()
    {
        var cron = RequireCron();
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule("other"), TestTime.T0));

        (await cron.RemoveCronAsync(new RemoveCronParams("nightly"))).ShouldBeTrue();
        (await cron.RemoveCronAsync(new RemoveCronParams("nightly"))).ShouldBeFalse();
        (await cron.ListCronAsync(new ListCronParams())).Select(s => s.Definition.Name).ShouldBe(["other"]);
    }

    [SkippableFact]
    public async Task ListCron_OrdersByName_Ordinally()
    {
        var cron = RequireCron();
        foreach (var name in new[] { "b", "B", "a", "A-1" })
            await cron.UpsertCronAsync(new UpsertCronParams(Schedule(name), TestTime.T0));

        (await cron.ListCronAsync(new ListCronParams())).Select(s => s.Definition.Name).ShouldBe(["A-1", "B", "a", "b"]);
    }

    [SkippableFact]
    public async Task FireCron_InsertsTheJob_AndAdvancesTheSchedule()
    {
        var cron = RequireCron();
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));

        var result = await cron.FireCronAsync(new FireCronParams("nightly", 1, null, TestTime.At(10), TestJobs.New(runAt: TestTime.At(10), argsJson: """{"n":1}"""), TestTime.At(10.5)));

        result.Fired.ShouldBeTrue();
        var job = await GetAsync(result.JobId!.Value);
        job.Kind.ShouldBe(TestJobs.Kind);
        job.RunAt.ShouldBe(TestTime.At(10));
        job.State.ShouldBe(JobState.Available);
        var stored = await CronAsync();
        stored.LastTick.ShouldBe(TestTime.At(10));
        stored.LastJobId.ShouldBe(result.JobId);
        stored.LastFiredAt.ShouldBe(TestTime.At(10.5));
        (await ClaimAsync(now: TestTime.At(11))).Select(c => c.Id).ShouldBe([result.JobId.Value]);
    }

    [SkippableFact]
    public async Task FireCron_FromAStaleLastTick_ChangesNothing()
    {
        var cron = RequireCron();
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));
        var first = await cron.FireCronAsync(new FireCronParams("nightly", 1, null, TestTime.At(10), TestJobs.New(runAt: TestTime.At(10)), TestTime.At(10)));

        // A second leader that read the schedule before the first fired tries the same tick, and a later one.
        (await cron.FireCronAsync(new FireCronParams("nightly", 1, null, TestTime.At(10), TestJobs.New(runAt: TestTime.At(10)), TestTime.At(10)))).ShouldBe(new CronFireResult(false, null));
        (await cron.FireCronAsync(new FireCronParams("nightly", 1, null, TestTime.At(20), TestJobs.New(runAt: TestTime.At(20)), TestTime.At(20)))).Fired.ShouldBeFalse();

        (await Store.ListJobsAsync(new ListJobsParams(Limit: 100))).Jobs.Select(j => j.Id).ShouldBe([first.JobId!.Value]);
        (await CronAsync()).LastTick.ShouldBe(TestTime.At(10));

        // From the tick it did fire, the next one goes through.
        (await cron.FireCronAsync(new FireCronParams("nightly", 1, TestTime.At(10), TestTime.At(20), TestJobs.New(runAt: TestTime.At(20)), TestTime.At(20)))).Fired.ShouldBeTrue();
    }

    [SkippableFact]
    public async Task FireCron_OfAnOlderVersion_OrARemovedSchedule_ChangesNothing()
    {
        var cron = RequireCron();
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(argsJson: """{"n":2}"""), TestTime.At(1)));

        (await cron.FireCronAsync(new FireCronParams("nightly", 1, null, TestTime.At(10), TestJobs.New(runAt: TestTime.At(10)), TestTime.At(10)))).Fired.ShouldBeFalse();
        (await cron.FireCronAsync(new FireCronParams("missing", 1, null, TestTime.At(10), TestJobs.New(runAt: TestTime.At(10)), TestTime.At(10)))).Fired.ShouldBeFalse();

        (await Store.ListJobsAsync(new ListJobsParams(Limit: 100))).Jobs.ShouldBeEmpty();
        (await CronAsync()).LastTick.ShouldBeNull();
    }

    [SkippableFact]
    public async Task FireCron_WithoutAJob_AdvancesTheScheduleOnly()
    {
        var cron = RequireCron();
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));

        (await cron.FireCronAsync(new FireCronParams("nightly", 1, null, TestTime.At(10), null, TestTime.At(10)))).ShouldBe(new CronFireResult(true, null));

        (await Store.ListJobsAsync(new ListJobsParams(Limit: 100))).Jobs.ShouldBeEmpty();
        var stored = await CronAsync();
        stored.LastTick.ShouldBe(TestTime.At(10));
        stored.LastJobId.ShouldBeNull();
    }

    [SkippableFact]
    public async Task FireCron_WhoseJobCannotBeInserted_LeavesTheScheduleAsItWas()
    {
        var cron = RequireCron();
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));

        await Should.ThrowAsync<JobNotFoundException>(() =>
            cron.FireCronAsync(new FireCronParams("nightly", 1, null, TestTime.At(10), TestJobs.New(runAt: TestTime.At(10), after: 999_999), TestTime.At(10))));

        (await CronAsync()).LastTick.ShouldBeNull();
        (await Store.ListJobsAsync(new ListJobsParams(Limit: 100))).Jobs.ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task FireCron_RacedByTwoInstances_FiresTheTickOnce()
    {
        var cron = RequireCron();
        var other = (await OpenInstanceAsync()).Cron!;
        await cron.UpsertCronAsync(new UpsertCronParams(Schedule(), TestTime.T0));

        for (var tick = 1; tick <= 5; tick++)
        {
            DateTimeOffset? expected = tick == 1 ? null : TestTime.At(tick - 1);
            var at = TestTime.At(tick);
            var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
                (i % 2 == 0 ? cron : other).FireCronAsync(new FireCronParams("nightly", 1, expected, at, TestJobs.New(runAt: at), at))));
            var results = await Task.WhenAll(attempts);
            results.Count(r => r.Fired).ShouldBe(1, $"tick {tick}");
        }

        var jobs = (await Store.ListJobsAsync(new ListJobsParams(Limit: 100))).Jobs;
        jobs.Select(j => j.RunAt).Order().ShouldBe([.. Enumerable.Range(1, 5).Select(t => TestTime.At(t))]);
    }
}
