using System.Globalization;
using Conveyor.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Cluster.Tests;

/// <summary>
/// An every-second schedule on three real <c>conveyor worker</c> processes sharing PostgreSQL: exactly one job per tick,
/// across a kill -9 of the leader. The default run watches 36 ticks; <c>CONVEYOR_CRON_SOAK_SECONDS</c> sets a longer one
/// (the issue's own check watches 120).
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class CronTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    private static TimeSpan Period =>
        int.TryParse(Environment.GetEnvironmentVariable("CONVEYOR_CRON_SOAK_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds >= 10
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(36);

    [Fact]
    public async Task AnEverySecondSchedule_OnThreeNodes_EnqueuesExactlyOneJobPerTick_AcrossALeaderKill()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}; watching {Period.TotalSeconds:0} ticks");
        await cluster.OkAsync("cron", "add", "every-second", "* * * * * *", "conveyor.noop");
        var workers = new Dictionary<string, WorkerProcess>();
        for (var i = 1; i <= 3; i++) workers[$"node-{i}"] = await cluster.StartWorkerAsync($"node-{i}", Timings, "--concurrency", "4");

        string? leader = null;
        await TestCluster.UntilAsync(async () => (leader = await cluster.ElectedLeaderAsync()) is not null, TimeSpan.FromSeconds(30), "a leader");
        await TestCluster.UntilAsync(async () => await LastRunAsync(cluster) is not null, TimeSpan.FromSeconds(30), "the first tick");
        var firstTick = (await TickJobsAsync(cluster)).Min(j => j.RunAt);
        var end = firstTick + Period;

        await TestCluster.UntilAsync(async () => await LastRunAsync(cluster) >= firstTick + Period / 2, Period, "half the period");
        workers[leader!].Kill();
        output.WriteLine($"killed the leader {leader} at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
        string? successor = null;
        await TestCluster.UntilAsync(async () => (successor = await cluster.ElectedLeaderAsync()) is not null && successor != leader,
            TimeSpan.FromSeconds(30), "another leader", pollMilliseconds: 50);
        output.WriteLine($"new leader {successor} at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
        await TestCluster.UntilAsync(async () => await LastRunAsync(cluster) >= end, Period + TimeSpan.FromSeconds(60), "the end of the period");

        var jobs = await TickJobsAsync(cluster);
        var doubled = jobs.GroupBy(j => j.RunAt).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        doubled.ShouldBeEmpty("no tick may be enqueued twice");
        var expected = Enumerable.Range(0, (int)Period.TotalSeconds + 1).Select(s => firstTick.AddSeconds(s)).ToList();
        jobs.Select(j => j.RunAt).Where(t => t <= end).Order().ToList().ShouldBe(expected, "every tick from the first to the end, once");
        var late = jobs.Where(j => j.RunAt <= end).Max(j => j.CreatedAt - j.RunAt);
        output.WriteLine($"{expected.Count} ticks from {firstTick:HH:mm:ss} to {end:HH:mm:ss}, each enqueued once; the latest was enqueued {late.TotalSeconds:F1}s after its tick (the hand-over)");
    }

    private static async Task<DateTimeOffset?> LastRunAsync(TestCluster cluster)
    {
        var schedule = TestCluster.Parse(await cluster.OkAsync("cron", "list", "--json")).GetProperty("schedules")[0];
        var last = schedule.GetProperty("lastRun");
        return last.ValueKind == System.Text.Json.JsonValueKind.Null ? null : last.GetDateTimeOffset();
    }

    private static async Task<List<(DateTimeOffset RunAt, DateTimeOffset CreatedAt)>> TickJobsAsync(TestCluster cluster) =>
        [.. (await cluster.AllJobsAsync()).Where(j => j.GetProperty("kind").GetString() == "conveyor.noop")
            .Select(j => (j.GetProperty("runAt").GetDateTimeOffset(), j.GetProperty("createdAt").GetDateTimeOffset()))];
}
