using System.Diagnostics;

namespace Conveyor.Reliability;

/// <summary>kill -9 of a node that holds leased jobs: they come back once its leases run out, and only they run twice.</summary>
[Collection(Suites.Cluster)]
public sealed class NodeKillTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task OneOfFourNodesKilledHolding1000LeasedJobs_AllComplete_ItsJobsShowTwoAttempts_TheRestOne()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}");
        const int jobs = 1000;
        // Strict claims (no prefetch): each node holds exactly its 250 slots' worth.
        for (var i = 1; i <= 4; i++) await cluster.StartWorkerAsync($"node-{i}", Timings, "--concurrency", "250", "--prefetch", "0");
        // Long enough that every job is still running when the victim dies (the rows read below prove it).
        await cluster.EnqueueManyAsync("conveyor.sleep", jobs, """{"ms": 6000}""");
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("running") == jobs,
            TimeSpan.FromSeconds(30), $"all {jobs} jobs leased and running", pollMilliseconds: 100);

        var held = await Sql.RowsAsync(cluster.Server.ConnectionString,
            $"SELECT id, node FROM \"{cluster.Schema}\".jobs WHERE state = 'running'", r => (Id: r.GetInt64(0), Node: r.GetString(1)));
        held.Count.ShouldBe(jobs);
        var victimJobs = held.Where(h => h.Node == "node-1").Select(h => h.Id).ToHashSet();
        victimJobs.Count.ShouldBe(250);
        cluster.Workers[0].Kill();
        var watch = Stopwatch.StartNew();

        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == jobs,
            TimeSpan.FromSeconds(90), $"all {jobs} jobs succeeded", pollMilliseconds: 250);
        output.WriteLine($"kill -9 of node-1 holding {victimJobs.Count} of {jobs} leased jobs: all succeeded {watch.Elapsed.TotalSeconds:F1}s after the kill");

        var all = await cluster.AllJobsAsync();
        all.Count.ShouldBe(jobs, "no job lost, none added");
        all.ShouldAllBe(j => j.GetProperty("state").GetString() == "succeeded");
        var twice = 0;
        foreach (var job in all)
        {
            var id = job.GetProperty("id").GetInt64();
            var errors = job.GetProperty("errors");
            if (victimJobs.Contains(id))
            {
                twice++;
                job.GetProperty("attempt").GetInt32().ShouldBe(2, $"job {id} was held by the killed node");
                job.GetProperty("node").GetString().ShouldNotBe("node-1");
                errors.GetArrayLength().ShouldBe(1);
                errors[0].GetProperty("message").GetString().ShouldBe("lease expired (node node-1 lost)");
            }
            else
            {
                job.GetProperty("attempt").GetInt32().ShouldBe(1, $"job {id} was held by a live node: one run only");
                errors.GetArrayLength().ShouldBe(0);
            }
        }
        output.WriteLine($"FIGURES kill-one-of-four: jobs={jobs} kills=1 second-runs={twice} (all the killed node's) lost=0");
    }
}
