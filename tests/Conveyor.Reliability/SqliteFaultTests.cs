using System.Diagnostics;

namespace Conveyor.Reliability;

/// <summary>The embedded store's faults: another process holding the write lock, and kill -9 in the middle of writes.</summary>
[Collection(Suites.SingleNode)]
public sealed class SqliteFaultTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task WriteLockHeld10sByAnotherConnection_NodeStallsVisibly_ThenFinishesEverything_NothingLost()
    {
        const int jobs = 400;
        await using var site = new SqliteSite();
        await site.EnqueueManyAsync("conveyor.sleep", jobs, """{"ms": 20}""");
        var worker = await site.StartWorkerAsync("node-1", Timings, "--concurrency", "4");
        await TestCluster.UntilAsync(async () => (await site.CountsAsync()).GetValueOrDefault("succeeded") >= 20,
            TimeSpan.FromSeconds(30), "the node running jobs", pollMilliseconds: 50);

        long before, after;
        var logBefore = worker.Output.Length;
        await using (var blocker = site.Open(Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite))
        {
            await using (var begin = blocker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
            }
            before = (await site.CountsAsync()).GetValueOrDefault("succeeded");
            // The fault is the duration: another program keeps the write lock for 10 s.
            await Task.Delay(TimeSpan.FromSeconds(10));
            after = (await site.CountsAsync()).GetValueOrDefault("succeeded");
            await using var rollback = blocker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }
        var released = Stopwatch.StartNew();
        var stallLog = worker.Output[logBefore..];
        output.WriteLine($"while the write lock was held for 10 s, succeeded went {before} -> {after}; the node said:\n{stallLog}");
        after.ShouldBe(before, "no job can be recorded while another connection holds the write lock");
        stallLog.ShouldContain("Node node-1 stalled: the store has not answered its heartbeat", customMessage: "the stall shows in the node's log while it lasts");

        await TestCluster.UntilAsync(async () => (await site.CountsAsync()).GetValueOrDefault("succeeded") == jobs,
            TimeSpan.FromSeconds(60), $"all {jobs} jobs succeeded after the lock was released", pollMilliseconds: 100);
        output.WriteLine($"all {jobs} jobs succeeded {released.Elapsed.TotalSeconds:F1}s after the lock was released");
        worker.HasExited.ShouldBeFalse();
        (await site.ScalarAsync("SELECT count(*) FROM conveyor_jobs")).ShouldBe(jobs);
        var rerun = await site.ScalarAsync("SELECT count(*) FROM conveyor_jobs WHERE attempt > 1");
        output.WriteLine($"FIGURES sqlite-write-lock: jobs={jobs} lock-held-s=10 progress-during-lock=0 lost=0 second-runs={rerun}");
    }

    [Fact]
    public async Task KilledMidWrite_IntegrityCheckOk_EveryJobRecovered()
    {
        var jobs = Scale.Pick(5_000, 50_000);
        var kills = Scale.Pick(2, 5);
        output.WriteLine($"{Scale.Describe}: {jobs} no-op jobs, {kills} kill -9 of the node while it writes; timings: {Timings}");
        await using var site = new SqliteSite();
        await site.EnqueueManyAsync("conveyor.noop", jobs);
        var random = new Random(9);
        for (var kill = 1; kill <= kills; kill++)
        {
            var worker = await site.StartWorkerAsync($"node-{kill}", Timings, "--concurrency", "16");
            var start = (await site.CountsAsync()).GetValueOrDefault("succeeded");
            // Somewhere in the stream of commits: after a few hundred more jobs, plus a random few milliseconds.
            await TestCluster.UntilAsync(async () => (await site.CountsAsync()).GetValueOrDefault("succeeded") >= Math.Min(jobs - 1, start + 300),
                TimeSpan.FromSeconds(60), "the node writing", pollMilliseconds: 20);
            await Task.Delay(random.Next(0, 30));
            worker.Kill();
            await worker.WaitForExitAsync(TimeSpan.FromSeconds(10));
            (await site.TextAsync("PRAGMA integrity_check")).ShouldBe("ok", $"after kill {kill}");
            (await site.ScalarAsync("SELECT count(*) FROM conveyor_jobs")).ShouldBe(jobs, $"no job lost by kill {kill}");
        }
        var survivor = await site.StartWorkerAsync("survivor", Timings, "--concurrency", "16");
        await TestCluster.UntilAsync(async () => (await site.CountsAsync()).GetValueOrDefault("succeeded") == jobs,
            TimeSpan.FromSeconds(120), $"all {jobs} jobs succeeded", pollMilliseconds: 250);
        (await site.TextAsync("PRAGMA integrity_check")).ShouldBe("ok");
        var rerun = await site.ScalarAsync("SELECT count(*) FROM conveyor_jobs WHERE attempt > 1");
        // Every second run is explained by a lost lease of a killed node.
        (await site.ScalarAsync("""
            SELECT count(*) FROM conveyor_jobs
            WHERE attempt > 1 AND (json_array_length(errors) <> attempt - 1
                OR EXISTS (SELECT 1 FROM json_each(errors) e WHERE json_extract(e.value, '$.type') <> 'Conveyor.LeaseExpired'))
            """)).ShouldBe(0);
        output.WriteLine($"FIGURES sqlite-kill: jobs={jobs} kills={kills} integrity=ok lost=0 second-runs={rerun} (each after a lost lease)");
        survivor.HasExited.ShouldBeFalse();
    }
}
