using System.Diagnostics;

namespace Conveyor.Reliability;

/// <summary>A pool smaller than the node's concurrency, drained by handlers that hold connections: the node must not deadlock.</summary>
[Collection(Suites.Cluster)]
public sealed class PoolExhaustionTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task MaxPoolSize10_Concurrency50_HandlersHoldingConnections_EveryJobSucceeds_NoLeaseLost()
    {
        var jobs = Scale.Pick(300, 2_000);
        output.WriteLine($"{Scale.Describe}: {jobs} jobs each holding a pooled connection 200 ms; timings: {Timings}");
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var processes = new ProcessGroup();
        await cluster.EnqueueManyAsync("hold", jobs, """{"ms": 200}""");
        var watch = Stopwatch.StartNew();
        var node = processes.Add(await TestNode.StartAsync(Sql.NodeStore(cluster, "Maximum Pool Size=10"), cluster.Directory, "node-1", Timings, ["--concurrency", "50"]));

        // Ten connections, 200 ms each: the jobs need jobs/50 s at best; the rest of the limit is for the node's own calls.
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == jobs,
            TimeSpan.FromSeconds(jobs / 50.0 * 3 + 30), $"all {jobs} jobs succeeded", pollMilliseconds: 250);
        output.WriteLine($"{jobs} jobs through a pool of 10 at concurrency 50 in {watch.Elapsed.TotalSeconds:F1}s");
        var retried = await Sql.ScalarAsync<long>(cluster.Server.ConnectionString,
            $"SELECT count(*) FROM \"{cluster.Schema}\".jobs WHERE attempt > 1 OR jsonb_array_length(errors) > 0");
        retried.ShouldBe(0, "no job failed on a pool timeout and no lease ran out while heartbeats waited for a connection");
        node.HasExited.ShouldBeFalse();
        output.WriteLine($"FIGURES pool-exhaustion: jobs={jobs} pool=10 concurrency=50 failed-or-retried=0 seconds={watch.Elapsed.TotalSeconds:F1}");
    }
}
