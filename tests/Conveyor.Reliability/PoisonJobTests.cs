using System.Diagnostics;

namespace Conveyor.Reliability;

/// <summary>A job that kills whichever process runs it: it must end <c>dead</c>, and the cluster must go on meanwhile.</summary>
[Collection(Suites.Cluster)]
public sealed class PoisonJobTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task JobThatFailFastsItsNode_DeadAfterThreeLostLeases_OtherJobsAllSucceed()
    {
        var others = Scale.Pick(1_000, 10_000);
        output.WriteLine($"{Scale.Describe}: 1 poison job (max attempts 3) among {others} others on 2 nodes restarted as they die; timings: {Timings}");
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var processes = new ProcessGroup();
        var store = Sql.NodeStore(cluster);
        var poison = long.Parse((await cluster.OkAsync("enqueue", "poison", "--max-attempts", "3")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await cluster.EnqueueManyAsync("sleep", others, """{"ms": 5}""");

        var nodes = new WorkerProcess[2];
        var starts = 0;
        for (var i = 0; i < nodes.Length; i++) nodes[i] = processes.Add(await TestNode.StartAsync(store, cluster.Directory, $"node-{i}-{++starts}", Timings, ["--concurrency", "8"]));
        var crashes = 0;
        var watch = Stopwatch.StartNew();
        // A supervisor's part: start a node again whenever one dies, until the poison job is dead and the rest done.
        while (true)
        {
            var counts = await cluster.CountsAsync();
            if (counts.GetValueOrDefault("dead") == 1 && counts.GetValueOrDefault("succeeded") == others) break;
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(4), $"the poison job dead and {others} jobs succeeded; counts now: {string.Join(", ", counts)}");
            for (var i = 0; i < nodes.Length; i++)
            {
                if (!nodes[i].HasExited) continue;
                nodes[i].Output.ShouldContain("kills its node", customMessage: "a node died of the poison job, not of something else");
                crashes++;
                nodes[i] = processes.Add(await TestNode.StartAsync(store, cluster.Directory, $"node-{i}-{++starts}", Timings, ["--concurrency", "8"]));
            }
            await Task.Delay(200);
        }
        output.WriteLine($"poison job dead and {others} jobs succeeded after {crashes} node crashes, in {watch.Elapsed.TotalSeconds:F1}s");

        var job = await cluster.JobAsync(poison);
        job.GetProperty("state").GetString().ShouldBe("dead");
        job.GetProperty("attempt").GetInt32().ShouldBe(3);
        var errors = job.GetProperty("errors").EnumerateArray().ToList();
        errors.Count.ShouldBe(3);
        errors.ShouldAllBe(e => e.GetProperty("type").GetString() == "Conveyor.LeaseExpired");
        crashes.ShouldBe(3, "each attempt killed one node");
        var cs = cluster.Server.ConnectionString;
        var s = cluster.Schema;
        // Jobs that shared a dying node ran again; each earlier attempt is charged as that node's lost lease.
        (await Sql.ScalarAsync<long>(cs, $"""
            SELECT count(*) FROM "{s}".jobs WHERE kind = 'sleep' AND jsonb_array_length(errors) <> attempt - 1
                OR EXISTS (SELECT 1 FROM jsonb_array_elements(errors) e WHERE e->>'type' <> 'Conveyor.LeaseExpired')
            """)).ShouldBe(0);
        var rerun = await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE kind = 'sleep' AND attempt > 1");
        output.WriteLine($"FIGURES poison: other-jobs={others} node-crashes={crashes} poison=dead(3 lost leases) others-succeeded={others} others-rerun-after-crash={rerun} lost=0");
    }
}
