using System.Diagnostics;
using Conveyor.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Cluster.Tests;

/// <summary>
/// Several real <c>conveyor worker</c> processes on one PostgreSQL database. Timings are those of
/// <see cref="ClusterTimings.Short"/> (lease 5 s, heartbeat 1 s, leader lease 3 s), written to each test's output.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task ThreeNodes_20000Jobs_EachClaimedExactlyOnce_AllSucceeded()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}");
        const int jobs = 20_000;
        await cluster.EnqueueManyAsync("conveyor.noop", jobs);

        var watch = Stopwatch.StartNew();
        for (var i = 1; i <= 3; i++) await cluster.StartWorkerAsync($"node-{i}", Timings, "--concurrency", "16");
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == jobs,
            TimeSpan.FromMinutes(5), $"{jobs} jobs succeeded", pollMilliseconds: 500);
        output.WriteLine($"3 nodes processed {jobs} jobs in {watch.Elapsed.TotalSeconds:F1}s (node starts included)");

        var counts = await cluster.CountsAsync();
        counts.Where(c => c.Key != "succeeded").Sum(c => c.Value).ShouldBe(0, "no job is left in any other state");
        var all = await cluster.AllJobsAsync();
        all.Count.ShouldBe(jobs);
        all.ShouldAllBe(j => j.GetProperty("state").GetString() == "succeeded");
        all.ShouldAllBe(j => j.GetProperty("attempt").GetInt32() == 1, "a second claim of a job would show as attempt 2");
        all.ShouldAllBe(j => j.GetProperty("errors").GetArrayLength() == 0);
        var byNode = all.GroupBy(j => j.GetProperty("node").GetString()).ToDictionary(g => g.Key!, g => g.Count());
        output.WriteLine("jobs per node: " + string.Join(", ", byNode.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}")));
        byNode.Keys.ShouldBeSubsetOf(["node-1", "node-2", "node-3"]);
    }

    [Fact]
    public async Task NodeKilledWith100RunningJobs_TheyFinishElsewhere_WithinLease5sPlus5s_WithTheLostLeaseError()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}");
        var victim = await cluster.StartWorkerAsync("victim", Timings, "--concurrency", "100");
        // 2 s per job: the survivors' reruns must end within the limit.
        var ids = await cluster.EnqueueManyAsync("conveyor.sleep", 100, """{"ms": 2000}""");
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("running") == 100,
            TimeSpan.FromSeconds(30), "the victim running all 100 jobs", pollMilliseconds: 50);

        // Killed while it holds every job (2 s each; the history checked below proves it died holding them). The survivors start right after: their start-up overlaps the
        // lease running out, so the victim cannot finish any job first however slowly processes start here.
        victim.Kill();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(
            cluster.StartWorkerAsync("survivor-1", Timings, "--concurrency", "60"),
            cluster.StartWorkerAsync("survivor-2", Timings, "--concurrency", "60"));
        output.WriteLine($"survivors started {watch.Elapsed.TotalSeconds:F1}s after the kill");
        var limit = Timings.Lease + TimeSpan.FromSeconds(5);
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == 100,
            limit + TimeSpan.FromSeconds(20), "the 100 jobs to succeed on the survivors");
        var took = watch.Elapsed;
        output.WriteLine($"after kill -9 of the victim, all 100 jobs succeeded elsewhere in {took.TotalSeconds:F1}s (limit: lease {Timings.Lease.TotalSeconds}s + 5s)");
        took.ShouldBeLessThan(limit + TimeSpan.FromSeconds(1.5), "the jobs must finish within the lease time plus 5 s (+ the polling of this test)");

        var jobs = (await cluster.AllJobsAsync()).ToDictionary(j => j.GetProperty("id").GetInt64());
        foreach (var id in ids)
        {
            var job = jobs[id];
            job.GetProperty("state").GetString().ShouldBe("succeeded");
            job.GetProperty("attempt").GetInt32().ShouldBe(2);
            job.GetProperty("node").GetString().ShouldStartWith("survivor-");
            var error = job.GetProperty("errors").EnumerateArray().Single();
            error.GetProperty("message").GetString().ShouldBe("lease expired (node victim lost)");
            error.GetProperty("attempt").GetInt32().ShouldBe(1);
        }
    }

    [Fact]
    public async Task LeaderKilled_AnotherLeadsWithinTwoLeaderLeases3s_AndChoresGoOn()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}");
        var workers = new Dictionary<string, WorkerProcess>();
        for (var i = 1; i <= 3; i++) workers[$"node-{i}"] = await cluster.StartWorkerAsync($"node-{i}", Timings);
        string? leader = null;
        await TestCluster.UntilAsync(async () => (leader = await cluster.LeaderAsync()) is not null, TimeSpan.FromSeconds(30), "a leader");
        (await cluster.NodesAsync()).Count.ShouldBe(3);
        output.WriteLine($"leader before: {leader}");

        workers[leader!].Kill();
        string? successor = null;
        var took = await TestCluster.UntilAsync(async () => (successor = await cluster.ElectedLeaderAsync()) is not null && successor != leader,
            TimeSpan.FromSeconds(30), "another leader", pollMilliseconds: 50);
        output.WriteLine($"new leader {successor} after {took.TotalSeconds:F1}s (limit: two leader leases = {2 * Timings.LeaderLease.TotalSeconds}s)");
        took.ShouldBeLessThan(2 * Timings.LeaderLease);

        // Chores go on: a scheduled job is promoted and runs; the dead node leaves the registry within its lease.
        var delayed = long.Parse((await cluster.OkAsync("enqueue", "conveyor.noop", "--delay", "1s")).Trim());
        await TestCluster.UntilAsync(async () => (await cluster.JobAsync(delayed)).GetProperty("state").GetString() == "succeeded",
            TimeSpan.FromSeconds(30), "the delayed job to be promoted and run");
        await TestCluster.UntilAsync(async () => (await cluster.NodesAsync()).All(n => n.GetProperty("name").GetString() != leader),
            Timings.Lease + TimeSpan.FromSeconds(15), "the dead leader to leave the registry");
        var nodes = await cluster.NodesAsync();
        nodes.Count.ShouldBe(2);
        nodes.Single(n => n.GetProperty("leader").GetBoolean()).GetProperty("name").GetString().ShouldBe(successor, "nodes --json marks the new leader");
    }

    [Fact]
    public async Task PostgresRestartedMidRun_NodesReconnect_NoJobLost_NoneStuckRunning()
    {
        await using var cluster = await TestCluster.OnPrivateServerAsync();
        output.WriteLine($"timings: {Timings}");
        const int jobs = 3_000;
        await cluster.EnqueueManyAsync("conveyor.sleep", jobs, """{"ms": 10}""");
        await cluster.StartWorkerAsync("node-1", Timings, "--concurrency", "8");
        await cluster.StartWorkerAsync("node-2", Timings, "--concurrency", "8");
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") >= 300,
            TimeSpan.FromSeconds(60), "work under way");

        var watch = Stopwatch.StartNew();
        await cluster.Server.RestartAsync();
        output.WriteLine($"PostgreSQL restarted in {watch.Elapsed.TotalSeconds:F1}s with work under way");

        await TestCluster.UntilAsync(async () =>
        {
            try
            {
                return (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == jobs;
            }
            catch (Npgsql.NpgsqlException)
            {
                return false; // this test's own pooled connection died with the server; the next try reconnects
            }
        }, TimeSpan.FromMinutes(2), "every job to succeed after the restart", pollMilliseconds: 500);
        output.WriteLine($"all {jobs} jobs succeeded {watch.Elapsed.TotalSeconds:F1}s after the restart began");
        var counts = await cluster.CliCountsAsync();
        counts.GetValueOrDefault("running").ShouldBe(0);
        counts.Values.Sum().ShouldBe(jobs, "no job lost, none duplicated");
        cluster.Workers.ShouldAllBe(w => !w.HasExited, "the nodes reconnect by themselves");
        (await cluster.NodesAsync()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task SqlEnqueueFromPsql_RolledBackLeavesNoJob_CommittedRuns()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await cluster.StartWorkerAsync("node-1", Timings);
        var schema = cluster.Schema;

        var rolledBack = await cluster.Server.PsqlAsync($"BEGIN; SELECT {schema}.enqueue('conveyor.echo', '{{\"n\": 1}}'); ROLLBACK;");
        rolledBack.ExitCode.ShouldBe(0, rolledBack.Output);
        var rolledBackId = long.Parse(rolledBack.Output.Trim());
        (await cluster.RunAsync("jobs", "show", rolledBackId.ToString())).ExitCode.ShouldBe(1, "a rolled-back enqueue leaves no job");

        var committed = await cluster.Server.PsqlAsync($"BEGIN; SELECT {schema}.enqueue('conveyor.echo', '{{\"n\": 2}}', queue => 'default', priority => 5); COMMIT;");
        committed.ExitCode.ShouldBe(0, committed.Output);
        var id = long.Parse(committed.Output.Trim());
        await TestCluster.UntilAsync(async () => (await cluster.JobAsync(id)).GetProperty("state").GetString() == "succeeded",
            TimeSpan.FromSeconds(30), "the committed job to run");
        var job = await cluster.JobAsync(id);
        job.GetProperty("priority").GetInt32().ShouldBe(5);
        job.GetProperty("result").GetProperty("n").GetInt32().ShouldBe(2);

        var bad = await cluster.Server.PsqlAsync($"SELECT {schema}.enqueue('bad kind!')");
        bad.ExitCode.ShouldNotBe(0);
        bad.Output.ShouldContain("kind");
        (await cluster.AllJobsAsync()).Count.ShouldBe(1);
    }
}

/// <summary>The cluster tests run one at a time: each starts several processes on a 2-core machine.</summary>
[CollectionDefinition(nameof(ClusterCollection), DisableParallelization = true)]
public sealed class ClusterCollection;
