using System.Diagnostics;

namespace Conveyor.Reliability;

/// <summary>A job that kills whichever process runs it: it must end <c>dead</c>, and the cluster must go on meanwhile.</summary>
[Collection(Suites.Cluster)]
public sealed class PoisonJobTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task JobThatFailFastsItsNode_DeadAfterThreeLostLeases_WithAttemptsLeft_OtherJobsFinish()
    {
        var others = Scale.Pick(1_000, 10_000);
        output.WriteLine($"{Scale.Describe}: 1 poison job (default max attempts and cap on lost leases) among {others} others on 2 nodes restarted as they die; timings: {Timings}");
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var processes = new ProcessGroup();
        var store = Sql.NodeStore(cluster);
        var poison = long.Parse((await cluster.OkAsync("enqueue", "poison")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
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
            if (counts.GetValueOrDefault("dead") + counts.GetValueOrDefault("succeeded") + counts.GetValueOrDefault("cancelled") == others + 1) break;
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(4), $"all {others + 1} jobs final; counts now: {string.Join(", ", counts)}");
            for (var i = 0; i < nodes.Length; i++)
            {
                if (!nodes[i].HasExited) continue;
                nodes[i].Output.ShouldContain("kills its node", customMessage: "a node died of the poison job, not of something else");
                crashes++;
                nodes[i] = processes.Add(await TestNode.StartAsync(store, cluster.Directory, $"node-{i}-{++starts}", Timings, ["--concurrency", "8"]));
            }
            await Task.Delay(200);
        }
        output.WriteLine($"all jobs final after {crashes} node crashes, in {watch.Elapsed.TotalSeconds:F1}s");

        var job = await cluster.JobAsync(poison);
        job.GetProperty("state").GetString().ShouldBe("dead");
        job.GetProperty("attempt").GetInt32().ShouldBe(WorkerOptions.DefaultMaxLostLeases);
        job.GetProperty("maxAttempts").GetInt32().ShouldBe(ConveyorOptions.DefaultMaxAttemptsValue, "buried by the cap on lost leases, not by its attempts");
        var errors = job.GetProperty("errors").EnumerateArray().ToList();
        errors.Count.ShouldBe(WorkerOptions.DefaultMaxLostLeases);
        errors.ShouldAllBe(e => e.GetProperty("type").GetString() == "Conveyor.LeaseExpired");
        crashes.ShouldBe(WorkerOptions.DefaultMaxLostLeases, "each attempt killed one node, and the third lost lease buried the job");
        var cs = cluster.Server.ConnectionString;
        var s = cluster.Schema;
        // Jobs that shared a dying node ran again; each earlier attempt is charged as that node's lost lease.
        (await Sql.ScalarAsync<long>(cs, $"""
            SELECT count(*) FROM "{s}".jobs WHERE kind = 'sleep' AND state = 'succeeded' AND jsonb_array_length(errors) <> attempt - 1
                OR kind = 'sleep' AND EXISTS (SELECT 1 FROM jsonb_array_elements(errors) e WHERE e->>'type' <> 'Conveyor.LeaseExpired')
            """)).ShouldBe(0);
        // A job rescued with the poison job twice is a suspect too; a node holds one suspect at a time, so the poison job's
        // last crash takes no such job with it: every other job succeeds.
        var notSucceeded = await Sql.RowsAsync(cs, $"SELECT id, state, attempt FROM \"{s}\".jobs WHERE kind = 'sleep' AND state <> 'succeeded' ORDER BY id",
            r => $"job {r.GetInt64(0)} {r.GetString(1)} at attempt {r.GetInt32(2)}");
        notSucceeded.ShouldBeEmpty("every other job succeeded");
        var suspects = await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE kind = 'sleep' AND jsonb_array_length(errors) = 2");
        var rerun = await Sql.ScalarAsync<long>(cs, $"SELECT count(*) FROM \"{s}\".jobs WHERE kind = 'sleep' AND attempt > 1");
        output.WriteLine($"FIGURES poison: other-jobs={others} node-crashes={crashes} poison=dead(attempt 3 of 10, 3 lost leases) " +
            $"others-succeeded={others} others-buried-with-it=0 others-rerun-after-crash={rerun} others-sharing-two-crashes={suspects} lost=0");
    }
}
