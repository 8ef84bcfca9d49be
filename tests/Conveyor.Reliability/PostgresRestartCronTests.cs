namespace Conveyor.Reliability;

/// <summary>
/// PostgreSQL stopped and started again while an every-second schedule fires: the ticks due during the outage fire late,
/// once each, and none is skipped or doubled (a fire whose commit the restart cut off is judged by the stored last tick).
/// </summary>
[Collection(Suites.Cluster)]
public sealed class PostgresRestartCronTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task RestartedAcrossTicks_EveryTickFiresOnce_NoneSkipped_NoneDoubled()
    {
        await using var cluster = await TestCluster.OnPrivateServerAsync();
        await using var processes = new ProcessGroup();
        var cs = cluster.Server.ConnectionString;
        var s = cluster.Schema;
        await Sql.CreateLedgerAsync(cluster);
        foreach (var node in await Task.WhenAll(Enumerable.Range(1, 2).Select(i =>
                     TestNode.StartAsync(Sql.NodeStore(cluster), cluster.Directory, $"node-{i}", Timings, ["--concurrency", "4"]))))
            processes.Add(node);
        await cluster.OkAsync("cron", "add", "restart-tick", "* * * * * *", "ledger");
        await TestCluster.UntilAsync(async () => await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".ledger") >= 3,
            TimeSpan.FromSeconds(60), "three ticks run before the restart");

        var outage = await Outage.RestartPostgresAsync(cluster, TimeSpan.FromSeconds(3));
        var back = await Sql.ScalarAsync<DateTime>(cs, "SELECT clock_timestamp()");
        // Five ticks due after the return have run: the leader is back and has caught up on the outage's ticks.
        await TestCluster.UntilAsync(async () => await Sql.ScalarAsync<long>(cs,
                $"SELECT count(*) FROM \"{s}\".jobs j JOIN \"{s}\".ledger l ON l.job_id = j.id WHERE j.run_at > '{back:O}'::timestamptz") >= 5,
            TimeSpan.FromSeconds(60), "five ticks after the database returned");
        await cluster.OkAsync("cron", "remove", "restart-tick");

        var ticks = await Sql.RowsAsync(cs, $"SELECT run_at FROM \"{s}\".jobs ORDER BY run_at", r => r.GetDateTime(0));
        ticks.Distinct().Count().ShouldBe(ticks.Count, "no tick fired twice");
        var gaps = ticks.Zip(ticks.Skip(1), (a, b) => b - a).Where(g => g != TimeSpan.FromSeconds(1)).ToList();
        gaps.ShouldBeEmpty($"every second from the first tick to the last fired ({ticks.Count} ticks, {ticks[0]:HH:mm:ss} to {ticks[^1]:HH:mm:ss})");
        var during = ticks.Count(t => t > back - outage && t <= back);
        during.ShouldBeGreaterThan(0, "ticks fell due during the outage");
        // Finished: run (each once: the ledger is unique on job and attempt) or still running a moment after the remove.
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == ticks.Count,
            TimeSpan.FromSeconds(30), "every tick's job succeeded");
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE attempt > 1 OR jsonb_array_length(errors) > 0"))
            .ShouldBe(0, "no tick's job failed or ran twice");
        output.WriteLine($"FIGURES postgres-restart-cron: schedule=every second nodes=2 outage-s={outage.TotalSeconds:F1} ticks={ticks.Count} " +
            $"due-during-outage={during} skipped=0 doubled=0");
    }
}
