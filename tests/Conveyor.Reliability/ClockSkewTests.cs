namespace Conveyor.Reliability;

/// <summary>
/// Nodes whose wall clocks are 10 minutes fast and 10 minutes slow (libfaketime) on one PostgreSQL database: the
/// database's clock is the only one that counts, so scheduled jobs do not start early and leases do not expire early.
/// </summary>
[Collection(Suites.Cluster)]
public sealed class ClockSkewTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [SkippableFact]
    public async Task NodesTenMinutesFastAndSlow_NoScheduledJobStartsEarly_NoLeaseExpiresEarly()
    {
        Skip.If(FakeClock.Missing is not null, FakeClock.Missing);
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var processes = new ProcessGroup();
        var cs = cluster.Server.ConnectionString;
        var s = cluster.Schema;
        await Sql.CreateLedgerAsync(cluster);
        // The fast node starts first and leads: its chores (promote, rescue) are the ones a fast clock would rush.
        var fast = processes.Add(await TestNode.StartAsync(Sql.NodeStore(cluster), cluster.Directory, "fast", Timings,
            ["--concurrency", "10", "--prefetch", "0"], FakeClock.Shifted("+10m")));
        await TestCluster.UntilAsync(async () => await cluster.ElectedLeaderAsync() == "fast", TimeSpan.FromSeconds(20), "the fast node leading");
        var slow = processes.Add(await TestNode.StartAsync(Sql.NodeStore(cluster), cluster.Directory, "slow", Timings,
            ["--concurrency", "10", "--prefetch", "0"], FakeClock.Shifted("-10m")));

        // A job due in 6 s by the enqueuer's (true) clock, while both nodes are idle: the fast one would run it at once
        // if its own clock counted, the slow one not for ten minutes.
        var scheduled = long.Parse((await cluster.OkAsync("enqueue", "ledger", "--delay", "6s")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == 1,
            TimeSpan.FromSeconds(40), "the scheduled job succeeded");
        var late = await Sql.ScalarAsync<double>(cs, $"""
            SELECT EXTRACT(EPOCH FROM (l.at - j.run_at)) FROM "{s}".ledger l JOIN "{s}".jobs j ON j.id = l.job_id WHERE j.id = {scheduled}
            """);
        output.WriteLine($"the scheduled job started {late:F2}s after its run_at (database clock)");
        late.ShouldBeGreaterThanOrEqualTo(0, "no scheduled job starts before its time");
        late.ShouldBeLessThan(5, "nor minutes late");

        // Jobs longer than the lease (5 s): only heartbeats keep them, and a leader that misjudged "now" would rescue them.
        var longIds = await cluster.EnqueueManyAsync("ledger", 20, """{"ms": 6500}""");
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == 21,
            TimeSpan.FromSeconds(60), "all 21 jobs succeeded");
        var reruns = await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE attempt > 1 OR jsonb_array_length(errors) > 0");
        reruns.ShouldBe(0, "no lease expired while its node heartbeated");
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".ledger")).ShouldBe(21, "each job ran once");
        var perNode = await Sql.RowsAsync(cs, $"SELECT node, count(*) FROM \"{s}\".ledger GROUP BY node ORDER BY node", r => $"{r.GetString(0)}={r.GetInt64(1)}");
        output.WriteLine($"runs per node: {string.Join(", ", perNode)}");
        perNode.Count.ShouldBe(2, "both skewed nodes ran jobs");
        fast.HasExited.ShouldBeFalse();
        slow.HasExited.ShouldBeFalse();
        output.WriteLine($"FIGURES clock-skew: nodes=2 (+10 min, -10 min) long-jobs=20 scheduled=1 early-starts=0 scheduled-start-after-due-s={late:F2} early-lease-expiries=0 second-runs=0 ({longIds.Count + 1} jobs)");
    }

    [SkippableFact]
    public async Task NodesTenMinutesFastAndSlow_CronTicksFireOnceEach_NeverBeforeTheirTime()
    {
        Skip.If(FakeClock.Missing is not null, FakeClock.Missing);
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var processes = new ProcessGroup();
        var cs = cluster.Server.ConnectionString;
        var s = cluster.Schema;
        await Sql.CreateLedgerAsync(cluster);
        var fast = processes.Add(await TestNode.StartAsync(Sql.NodeStore(cluster), cluster.Directory, "fast", Timings, ["--concurrency", "4"], FakeClock.Shifted("+10m")));
        await TestCluster.UntilAsync(async () => await cluster.ElectedLeaderAsync() == "fast", TimeSpan.FromSeconds(20), "the fast node leading");
        var slow = processes.Add(await TestNode.StartAsync(Sql.NodeStore(cluster), cluster.Directory, "slow", Timings, ["--concurrency", "4"], FakeClock.Shifted("-10m")));

        await cluster.OkAsync("cron", "add", "skew-tick", "*/2 * * * * *", "ledger");
        try
        {
            await TestCluster.UntilAsync(async () => await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".ledger") >= 6,
                TimeSpan.FromSeconds(90), "six cron ticks run");
        }
        catch (TimeoutException)
        {
            // What the nodes and the store saw, for a failure on a loaded machine.
            output.WriteLine($"leader: {await cluster.ElectedLeaderAsync()}; database now {await Sql.ScalarAsync<DateTime>(cs, "SELECT clock_timestamp()"):HH:mm:ss.fff}");
            output.WriteLine(string.Join("\n", await Sql.RowsAsync(cs, $"SELECT id, state, run_at, attempt FROM \"{s}\".jobs ORDER BY id",
                r => $"job {r.GetInt64(0)} {r.GetString(1)} due {r.GetDateTime(2):HH:mm:ss.fff} attempt {r.GetInt32(3)}")));
            output.WriteLine(string.Join("\n", await Sql.RowsAsync(cs, $"SELECT name, last_tick, updated_at FROM \"{s}\".cron",
                r => $"schedule {r.GetString(0)} last tick {(r.IsDBNull(1) ? "none" : r.GetDateTime(1).ToString("HH:mm:ss.fff"))} updated {r.GetDateTime(2):HH:mm:ss.fff}")));
            output.WriteLine("--- fast ---\n" + fast.Output + "\n--- slow ---\n" + slow.Output);
            throw;
        }
        await cluster.OkAsync("cron", "remove", "skew-tick");

        var ticks = await Sql.RowsAsync(cs, $"""
            SELECT j.run_at, l.at, l.node FROM "{s}".jobs j JOIN "{s}".ledger l ON l.job_id = j.id ORDER BY j.run_at
            """, r => (Due: r.GetDateTime(0), Ran: r.GetDateTime(1), Node: r.GetString(2)));
        output.WriteLine(string.Join("\n", ticks.Select(t => $"tick due {t.Due:HH:mm:ss.fff}, ran {t.Ran:HH:mm:ss.fff} on {t.Node}")));
        ticks.Select(t => t.Due).Distinct().Count().ShouldBe(ticks.Count, "no tick fired twice");
        ticks.ShouldAllBe(t => t.Due.Second % 2 == 0 && t.Due.Millisecond == 0, "each job is due on a tick of the schedule");
        ticks.ShouldAllBe(t => t.Ran >= t.Due, "no tick runs before its time");
        var now = await Sql.ScalarAsync<DateTime>(cs, "SELECT clock_timestamp()");
        ticks.ShouldAllBe(t => t.Due <= now, "no tick of the future (the fast node's ten minutes ahead) fired");
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE attempt > 1 OR jsonb_array_length(errors) > 0")).ShouldBe(0);
        output.WriteLine($"FIGURES clock-skew-cron: nodes=2 (+10 min, -10 min) ticks={ticks.Count} doubled=0 early=0 future=0");
    }

    [SkippableFact]
    public async Task EnqueuersWithoutANode_TenMinutesFastAndSlow_StampTheStoresTime()
    {
        Skip.If(FakeClock.Missing is not null, FakeClock.Missing);
        await using var cluster = await TestCluster.OnSharedServerAsync();
        var cs = cluster.Server.ConnectionString;
        var s = cluster.Schema;
        foreach (var offset in new[] { "+10m", "-10m" })
        {
            // A process that only enqueues (no node to measure the store's clock for it): its delay counts from the
            // store's time, and a schedule it adds counts its ticks from there too.
            var before = await Sql.ScalarAsync<DateTime>(cs, "SELECT clock_timestamp()");
            var enqueued = await ConveyorCli.RunAsync(cluster.Store, cluster.Directory, ["enqueue", "ledger", "--delay", "30s"], environment: FakeClock.Shifted(offset));
            enqueued.ExitCode.ShouldBe(0, enqueued.ToString());
            var name = "skew-" + offset[0].ToString().Replace("+", "fast").Replace("-", "slow");
            var added = await ConveyorCli.RunAsync(cluster.Store, cluster.Directory, ["cron", "add", name, "0 0 1 1 *", "ledger"], environment: FakeClock.Shifted(offset));
            added.ExitCode.ShouldBe(0, added.ToString());
            var after = await Sql.ScalarAsync<DateTime>(cs, "SELECT clock_timestamp()");

            var id = long.Parse(enqueued.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var runAt = await Sql.ScalarAsync<DateTime>(cs, $"SELECT run_at FROM \"{s}\".jobs WHERE id = {id}");
            var created = await Sql.ScalarAsync<DateTime>(cs, $"SELECT created_at FROM \"{s}\".jobs WHERE id = {id}");
            var updated = await Sql.ScalarAsync<DateTime>(cs, $"SELECT updated_at FROM \"{s}\".cron WHERE name = '{name}'");
            output.WriteLine($"clock {offset}: database {before:HH:mm:ss.fff}–{after:HH:mm:ss.fff}; job created {created:HH:mm:ss.fff}, due {runAt:HH:mm:ss.fff}; schedule updated {updated:HH:mm:ss.fff}");
            created.ShouldBeInRange(before.AddSeconds(-1), after.AddSeconds(1), $"an enqueuer {offset} stamps the store's time");
            (runAt - created).ShouldBe(TimeSpan.FromSeconds(30), "the delay counts from that time");
            updated.ShouldBeInRange(before.AddSeconds(-1), after.AddSeconds(1), $"a schedule added by a process {offset} counts from the store's time");
        }
        output.WriteLine("FIGURES clock-skew-enqueuer: processes=2 (+10 min, -10 min) stamped-within-1s-of-store=2 delays-from-store-time=2");
    }
}
