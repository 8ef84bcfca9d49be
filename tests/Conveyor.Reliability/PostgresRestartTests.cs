namespace Conveyor.Reliability;

/// <summary>PostgreSQL stopped (fast shutdown) and started again on the same port while nodes work through a backlog.</summary>
[Collection(Suites.Cluster)]
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;
    private const int Nodes = 4;

    [Fact]
    public async Task RestartedDuringJobs_NoneLost_NoneRunTwice_NodesBackWithin5s_JobsStartWithin1sMore()
    {
        var jobs = Scale.Pick(3_000, 10_000);
        output.WriteLine($"{Scale.Describe}: {jobs} ledger jobs (5 ms each) on {Nodes} node processes; timings: {Timings}");
        await using var cluster = await TestCluster.OnPrivateServerAsync();
        await using var processes = new ProcessGroup();
        var cs = cluster.Server.ConnectionString;
        var s = cluster.Schema;
        await Sql.CreateLedgerAsync(cluster);
        await cluster.EnqueueManyAsync("ledger", jobs, """{"ms": 5}""");
        foreach (var node in await Task.WhenAll(Enumerable.Range(1, Nodes).Select(i =>
                     TestNode.StartAsync(Sql.NodeStore(cluster), cluster.Directory, $"node-{i}", Timings, ["--concurrency", "8"]))))
            processes.Add(node);

        await TestCluster.UntilAsync(async () => await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".ledger") >= jobs / 4,
            TimeSpan.FromMinutes(3), "a quarter of the jobs run", pollMilliseconds: 100);
        var outage = await Outage.RestartPostgresAsync(cluster, TimeSpan.FromSeconds(3));
        output.WriteLine($"PostgreSQL down for {outage.TotalSeconds:F1}s (pg_ctl stop -m fast, then start on the same port)");
        var back = await Sql.ScalarAsync<DateTime>(cs, "SELECT clock_timestamp()");

        // Each node is back when it heartbeats again, and working when its handler writes a ledger row again.
        var reconnected = await TestCluster.UntilAsync(async () =>
                await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".nodes WHERE heartbeat_at > '{back:O}'::timestamptz") == Nodes,
            TimeSpan.FromSeconds(30), "every node heartbeating again", pollMilliseconds: 100);
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == jobs,
            TimeSpan.FromMinutes(5), $"all {jobs} jobs succeeded", pollMilliseconds: 250);
        var firstRuns = await Sql.RowsAsync(cs, $"""
            SELECT n.name, (SELECT min(at) FROM "{s}".ledger l WHERE l.node = n.name AND l.at > '{back:O}'::timestamptz) - '{back:O}'::timestamptz
            FROM "{s}".nodes n ORDER BY n.name
            """, r => (Node: r.GetString(0), After: r.IsDBNull(1) ? (TimeSpan?)null : r.GetTimeSpan(1)));
        output.WriteLine($"every node heartbeating again within {reconnected.TotalSeconds:F1}s of the database's return (as polled)");
        foreach (var (node, after) in firstRuns) output.WriteLine($"  {node}: first job started {after?.TotalSeconds:F2}s after the database returned");
        reconnected.ShouldBeLessThan(TimeSpan.FromSeconds(5.5), "nodes reconnect within 5 s of the database returning");
        firstRuns.Count.ShouldBe(Nodes);
        // A job starts within 1 s of a node being back (and a node is back within 5 s).
        firstRuns.ShouldAllBe(r => r.After != null && r.After.Value < TimeSpan.FromSeconds(6));

        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs")).ShouldBe(jobs, "no job lost");
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs j WHERE NOT EXISTS (SELECT 1 FROM \"{s}\".ledger l WHERE l.job_id = j.id AND l.attempt = j.attempt)"))
            .ShouldBe(0, "each job's final attempt ran");
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE errors::text LIKE '%23505%' OR errors::text LIKE '%ledger%'")).ShouldBe(0, "no attempt ran twice");
        var reruns = await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".ledger") - jobs;
        var unexplained = await Sql.ScalarAsync<long>(cs, $"""
            SELECT count(*) FROM "{s}".ledger l JOIN "{s}".jobs j ON j.id = l.job_id
            WHERE l.attempt < j.attempt AND NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements(j.errors) e WHERE (e->>'attempt')::int = l.attempt AND e->>'type' = 'Conveyor.LeaseExpired')
            """);
        unexplained.ShouldBe(0, "a second run only after a lost lease");
        output.WriteLine($"FIGURES postgres-restart: jobs={jobs} nodes={Nodes} restarts=1 outage-s={outage.TotalSeconds:F1} reconnect-s<={reconnected.TotalSeconds:F1} " +
            $"first-job-after-return-s={string.Join('/', firstRuns.Select(r => r.After?.TotalSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} second-runs={reruns} lost=0");
    }
}
