using Conveyor.Dispatching;
using Conveyor.Maintenance;
using Conveyor.Recurring;
using Conveyor.Storage;
using Conveyor.Storage.Memory;
using Conveyor.Tests.Support;
using Conveyor.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Tests.Recurring;

// Schedules defined in code, stored at start and fired by the leader's chore (driven by a settable clock).
public sealed class RecurringJobTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A store with the schedules of <paramref name="define"/>, and the leader's chore on it, driven by <paramref name="clock"/>.</summary>
    private static async Task<(MemoryJobStore Store, FireRecurringJobsChore Chore)> ChoreAsync(SettableClock clock, params RecurringJob[] define)
    {
        var store = new MemoryJobStore();
        var registry = new RecurringJobRegistry();
        foreach (var job in define) registry.Add(job, RecurringJobRegistry.CodeSource);
        await registry.StoreAsync(store, new ConveyorOptions(), clock, NullLogger.Instance, CancellationToken.None);
        var core = new JobServerCore(store, "leader", ["report.build"], new WorkerOptionsBuilder().Build(), clock, NullLogger.Instance, null!, null!);
        return (store, new FireRecurringJobsChore(core, new RecurringJobValidator(new ConveyorOptions())));
    }

    private static async Task<IReadOnlyList<JobInfo>> JobsAsync(IJobStore store) =>
        [.. (await store.ListJobsAsync(new ListJobsParams(Limit: 500))).Jobs.OrderBy(j => j.Id)];

    [Fact]
    public async Task EachDueTick_IsEnqueuedOnce_WithTheTickAsItsRunAt_HoweverOftenTheLeaderLooks()
    {
        var clock = new SettableClock(T0);
        var (store, chore) = await ChoreAsync(clock, new RecurringJob("every-second", "* * * * * *", "report.build", """{"n":1}""")
        {
            Options = new JobOptions { Queue = "reports", Priority = 5 },
        });

        await chore.RunAsync(T0.AddSeconds(3.5), CancellationToken.None);
        await chore.RunAsync(T0.AddSeconds(3.5), CancellationToken.None);
        chore.NextDueAt.ShouldBe(T0.AddSeconds(4));
        await chore.RunAsync(T0.AddSeconds(4.2), CancellationToken.None);

        var jobs = await JobsAsync(store);
        jobs.Select(j => j.RunAt).ShouldBe([T0.AddSeconds(1), T0.AddSeconds(2), T0.AddSeconds(3), T0.AddSeconds(4)]);
        jobs.ShouldAllBe(j => j.Kind == "report.build" && j.Queue == "reports" && j.Priority == 5 && j.ArgsJson == """{"n":1}""");
        clock.Now = T0.AddSeconds(4.5);
        var listed = (await new RecurringJobs(store, new ConveyorOptions(), clock).ListAsync()).ShouldHaveSingleItem();
        listed.LastRun.ShouldBe(T0.AddSeconds(4));
        listed.LastJobId.ShouldBe(jobs[^1].Id);
        listed.NextRun.ShouldBe(T0.AddSeconds(5));
        listed.Source.ShouldBe("code");
    }

    [Fact]
    public async Task TwoLeadersOverlapping_EnqueueEachTickOnce()
    {
        var clock = new SettableClock(T0);
        var (store, chore) = await ChoreAsync(clock, new RecurringJob("every-second", "* * * * * *", "report.build"));
        var core = new JobServerCore(store, "other-leader", ["report.build"], new WorkerOptionsBuilder().Build(), clock, NullLogger.Instance, null!, null!);
        var other = new FireRecurringJobsChore(core, new RecurringJobValidator(new ConveyorOptions()));

        for (var second = 1; second <= 20; second++)
        {
            var now = T0.AddSeconds(second + 0.5);
            await Task.WhenAll(Task.Run(() => chore.RunAsync(now, CancellationToken.None)), Task.Run(() => other.RunAsync(now, CancellationToken.None)));
        }

        (await JobsAsync(store)).Select(j => j.RunAt).ShouldBe([.. Enumerable.Range(1, 20).Select(s => T0.AddSeconds(s))]);
    }

    [Fact]
    public async Task AMissedStretch_IsCaughtUpByOneJob_ThenTheScheduleGoesOnFromNow()
    {
        var clock = new SettableClock(T0);
        var (store, chore) = await ChoreAsync(clock, new RecurringJob("five-minutes", "*/5 * * * *", "report.build"));

        await chore.RunAsync(T0.AddHours(3).AddMinutes(2), CancellationToken.None);
        await chore.RunAsync(T0.AddHours(3).AddMinutes(5), CancellationToken.None);

        (await JobsAsync(store)).Select(j => j.RunAt).ShouldBe([T0.AddHours(3), T0.AddHours(3).AddMinutes(5)]);
    }

    [Fact]
    public async Task AMissedStretch_OfAScheduleThatSkips_EnqueuesNothing()
    {
        var clock = new SettableClock(T0);
        var (store, chore) = await ChoreAsync(clock, new RecurringJob("five-minutes", "*/5 * * * *", "report.build") { MissedTicks = MissedTicks.Skip });

        await chore.RunAsync(T0.AddHours(3).AddMinutes(2), CancellationToken.None);
        (await JobsAsync(store)).ShouldBeEmpty();
        (await store.ListCronAsync(new ListCronParams())).ShouldHaveSingleItem().LastTick.ShouldBe(T0.AddHours(3));

        await chore.RunAsync(T0.AddHours(3).AddMinutes(5), CancellationToken.None);
        (await JobsAsync(store)).Select(j => j.RunAt).ShouldBe([T0.AddHours(3).AddMinutes(5)]);
    }

    /// <summary>A node on <paramref name="store"/> that stores <paramref name="define"/>'s schedules at start, at the clock's time.</summary>
    private static async Task<TestNode> StartNodeAsync(SettableClock clock, Action<ConveyorBuilder> define, IJobStore store)
    {
        var node = TestNode.Create(b =>
        {
            b.AddJob("report.build", () => Task.CompletedTask);
            define(b);
        }, store: store, services: s => s.AddSingleton<TimeProvider>(clock));
        await node.StartAsync();
        return node;
    }

    [Fact]
    public async Task ANodeStart_ReplacesAStoredScheduleThatDiffers_AndLeavesAnEqualOneAlone()
    {
        var store = new MemoryJobStore();
        var clock = new SettableClock(T0);
        await using (await StartNodeAsync(clock, b => b.AddRecurring("nightly", "0 3 * * *", "report.build", timeZone: "Europe/Paris"), store))
        {
        }
        clock.Now = T0.AddMinutes(1);
        await using (await StartNodeAsync(clock, b => b.AddRecurring("nightly", "0 3 * * *", "report.build", timeZone: "Europe/Paris"), store))
        {
        }
        (await store.ListCronAsync(new ListCronParams())).ShouldHaveSingleItem().Version.ShouldBe(1);

        clock.Now = T0.AddMinutes(2);
        await using (await StartNodeAsync(clock, b => b.AddRecurring("nightly", "0 4 * * *", "report.build", timeZone: "Europe/Paris"), store))
        {
        }
        var stored = (await store.ListCronAsync(new ListCronParams())).ShouldHaveSingleItem();
        stored.Version.ShouldBe(2);
        stored.Definition.Expression.ShouldBe("0 4 * * *");
        stored.UpdatedAt.ShouldBe(T0.AddMinutes(2));
    }

    [Fact]
    public async Task TheLeader_WakesAtTheNextTick_NotAtItsMaintenanceInterval()
    {
        await using var node = TestNode.Create(b => b
            .AddJob("report.build", () => Task.CompletedTask)
            .AddRecurring("every-second", "* * * * * *", "report.build"), w =>
            {
                w.MaintenanceInterval = TimeSpan.FromMinutes(10);
                w.LeaderLeaseDuration = TimeSpan.FromHours(1);
            });
        await node.StartAsync();

        // With a ten-minute interval, only waking at each tick can enqueue three jobs within ten seconds.
        await Eventually.HoldsAsync(async () => (await JobsAsync(node.Store)).Count >= 3, "three ticks were enqueued", TimeSpan.FromSeconds(10));
        var runAts = (await JobsAsync(node.Store)).Select(j => j.RunAt).ToList();
        runAts.Distinct().Count().ShouldBe(runAts.Count);
    }

    [Theory]
    [InlineData("bad name", "* * * * *", null, "name")]
    [InlineData("ok", "* * * *", null, "cron")]
    [InlineData("ok", "* * * * *", "Mars/Olympus", "timeZone")]
    public void AddRecurring_RefusesBadInput_AtOnce(string name, string cron, string? zone, string field)
    {
        var builder = new ServiceCollection().AddConveyor(o => o.UseInMemory());
        Should.Throw<JobValidationException>(() => builder.AddRecurring(name, cron, "report.build", timeZone: zone)).Field.ShouldBe(field);
    }

    [Fact]
    public void AddRecurring_RefusesOptionsThatTheTickSets_AndTwoSchedulesOfOneName()
    {
        var builder = new ServiceCollection().AddConveyor(o => o.UseInMemory());
        Should.Throw<JobValidationException>(() => builder.AddRecurring("a", "* * * * *", "report.build", options: new JobOptions { Delay = TimeSpan.FromSeconds(1) }))
            .Field.ShouldBe("delay");
        Should.Throw<JobValidationException>(() => builder.AddRecurring("a", "* * * * *", "report.build", "[1")).Field.ShouldBe("args");
        builder.AddRecurring("a", "* * * * *", "report.build");
        Should.Throw<InvalidOperationException>(() => builder.AddRecurring("a", "0 * * * *", "report.build"))
            .Message.ShouldBe("a recurring job named 'a' is already defined");
    }

    [Fact]
    public async Task RecurringJobs_AddsListsAndRemovesSchedules_AtRunTime()
    {
        await using var node = TestNode.Create(b => b.AddJob("report.build", () => Task.CompletedTask));
        var recurring = node.Services.GetRequiredService<RecurringJobs>();

        (await recurring.AddOrUpdateAsync(new RecurringJob("hourly", "0 * * * *", "report.build") { Options = new JobOptions { MaxAttempts = 2 } }))
            .ShouldBe(CronUpsertOutcome.Created);
        (await recurring.AddOrUpdateAsync(new RecurringJob("hourly", "0 * * * *", "report.build") { Options = new JobOptions { MaxAttempts = 2 } }))
            .ShouldBe(CronUpsertOutcome.Unchanged);

        var listed = (await recurring.ListAsync()).ShouldHaveSingleItem();
        listed.Job.ShouldBe(new RecurringJob("hourly", "0 * * * *", "report.build") { TimeZone = "UTC", Options = new JobOptions { MaxAttempts = 2 } });
        listed.Source.ShouldBe("api");
        listed.LastRun.ShouldBeNull();
        (await recurring.RemoveAsync("hourly")).ShouldBeTrue();
        (await recurring.ListAsync()).ShouldBeEmpty();
    }
}
