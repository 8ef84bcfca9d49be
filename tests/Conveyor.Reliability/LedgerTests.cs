using System.Diagnostics;

namespace Conveyor.Reliability;

/// <summary>
/// Node processes whose handler writes a ledger row per run, unique on (job, attempt): a job run twice within one
/// attempt breaks the constraint, and a run beyond the first must be explained by a lost lease.
/// </summary>
[Collection(Suites.Cluster)]
public sealed class LedgerTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task ManyNodeProcesses_ManyJobs_OneKilledMidRun_LedgerShowsNoDoubleRun()
    {
        var nodes = Scale.Pick(4, 8);
        var jobs = Scale.Pick(10_000, 100_000);
        output.WriteLine($"{Scale.Describe}: {nodes} nodes, {jobs} jobs; timings: {Timings}");
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var processes = new ProcessGroup();
        await Sql.CreateLedgerAsync(cluster);
        await cluster.EnqueueManyAsync("ledger", jobs);

        var watch = Stopwatch.StartNew();
        var started = await Task.WhenAll(Enumerable.Range(1, nodes).Select(i =>
            TestNode.StartAsync(Sql.NodeStore(cluster), cluster.Directory, $"node-{i}", Timings, ["--concurrency", "8"])));
        foreach (var node in started) processes.Add(node);

        // A kill -9 a third of the way in: the jobs it held are the only ones allowed a second run.
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") >= jobs / 3,
            TimeSpan.FromMinutes(5), "a third of the jobs done", pollMilliseconds: 100);
        started[0].Kill();
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == jobs,
            TimeSpan.FromMinutes(8), $"all {jobs} jobs succeeded", pollMilliseconds: 500);
        output.WriteLine($"{jobs} jobs on {nodes} node processes (one killed) in {watch.Elapsed.TotalSeconds:F1}s");

        var s = cluster.Schema;
        var cs = cluster.Server.ConnectionString;
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE state <> 'succeeded'")).ShouldBe(0);
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs")).ShouldBe(jobs, "no job lost");
        // Every job's last attempt wrote its row; a job with no ledger row never ran its handler.
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs j WHERE NOT EXISTS (SELECT 1 FROM \"{s}\".ledger l WHERE l.job_id = j.id AND l.attempt = j.attempt)"))
            .ShouldBe(0, "each job's final attempt ran its handler");
        // A ledger insert refused by the unique key would have failed that run with a unique-violation error.
        (await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE errors::text LIKE '%ledger%' OR errors::text LIKE '%23505%'"))
            .ShouldBe(0, "no attempt ran twice");
        // Runs beyond the first: each earlier attempt must have been charged as a lost lease of the killed node.
        var unexplained = await Sql.ScalarAsync<long>(cs, $"""
            SELECT count(*) FROM "{s}".ledger l JOIN "{s}".jobs j ON j.id = l.job_id
            WHERE l.attempt < j.attempt AND NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements(j.errors) e
                WHERE (e->>'attempt')::int = l.attempt AND e->>'message' = 'lease expired (node node-1 lost)')
            """);
        unexplained.ShouldBe(0, "a second run only where node-1 lost its lease");
        var reruns = await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".ledger") - jobs;
        var rerunsByKilled = await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".ledger WHERE attempt = 1 AND node = 'node-1' AND job_id IN (SELECT id FROM \"{s}\".jobs WHERE attempt > 1)");
        rerunsByKilled.ShouldBe(reruns, "every extra run repeats a run of the killed node");
        output.WriteLine($"FIGURES ledger: nodes={nodes} jobs={jobs} kills=1 ledger-rows={jobs + reruns} second-runs={reruns} (all after node-1's lost leases) double-runs-of-one-attempt=0 lost=0");
    }
}
