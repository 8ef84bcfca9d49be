using System.Diagnostics;

namespace Conveyor.Reliability;

/// <summary>SIGTERM while short and long jobs run: the short ones finish, the long ones go back, the process ends in time.</summary>
[Collection(Suites.SingleNode)]
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Sigterm_ShortJobsFinish_LongJobsGoBackUncharged_ExitWithinHardTimeout_NothingRunning_Sqlite()
    {
        await using var site = new SqliteSite();
        await RunAsync(site.Store, site.StartWorkerAsync, site.EnqueueManyAsync, site.CountsAsync,
            async id => (await site.TextAsync($"SELECT state FROM conveyor_jobs WHERE id = {id}"), await site.ScalarAsync($"SELECT attempt FROM conveyor_jobs WHERE id = {id}")));
    }

    [Fact]
    public async Task Sigterm_ShortJobsFinish_LongJobsGoBackUncharged_ExitWithinHardTimeout_NothingRunning_Postgres()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await RunAsync(cluster.Store, cluster.StartWorkerAsync, (kind, count, args) => cluster.EnqueueManyAsync(kind, count, args), cluster.CountsAsync,
            async id => (await Sql.RowsAsync(cluster.Server.ConnectionString, $"SELECT state, attempt FROM \"{cluster.Schema}\".jobs WHERE id = {id}",
                r => (r.GetString(0), (long)r.GetInt32(1)))).Single());
    }

    private async Task RunAsync(string store, Func<string, ClusterTimings, string[], Task<WorkerProcess>> startWorker,
        Func<string, int, string, Task<IReadOnlyList<long>>> enqueue, Func<Task<Dictionary<string, long>>> counts, Func<long, Task<(string State, long Attempt)>> job)
    {
        const int shortJobs = 20, longJobs = 10;
        output.WriteLine($"store {store}; shutdown timeout {ShutdownTimeout.TotalSeconds}s, cancel grace {CancelGrace.TotalSeconds}s");
        // Enqueued first, so that the node's first claim starts them all together.
        var shortIds = await enqueue("conveyor.sleep", shortJobs, """{"ms": 3000}""");
        var longIds = await enqueue("conveyor.sleep", longJobs, """{"ms": 120000}""");
        var worker = await startWorker("node-1", Timings, ["--concurrency", "30", "--prefetch", "0",
            "--shutdown-timeout", $"{ShutdownTimeout.TotalMilliseconds}ms", "--cancel-grace", $"{CancelGrace.TotalMilliseconds}ms"]);
        await TestCluster.UntilAsync(async () => (await counts()).GetValueOrDefault("running") == shortJobs + longJobs,
            TimeSpan.FromSeconds(20), "every job running", pollMilliseconds: 50);

        worker.Terminate();
        var watch = Stopwatch.StartNew();
        var exit = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var took = watch.Elapsed;
        output.WriteLine($"SIGTERM with {shortJobs} short (3 s) and {longJobs} long (120 s) jobs running: exit {exit} after {took.TotalSeconds:F1}s");
        exit.ShouldBe(0);
        // The hard limit: the drain period, the cancelled handlers' grace, and a margin for storing outcomes and leaving.
        took.ShouldBeLessThan(ShutdownTimeout + CancelGrace + TimeSpan.FromSeconds(3));

        foreach (var id in shortIds) (await job(id)).ShouldBe(("succeeded", 1L), $"short job {id} finished in the drain period");
        foreach (var id in longIds) (await job(id)).ShouldBe(("available", 0L), $"long job {id} went back without an attempt charged");
        (await counts()).GetValueOrDefault("running").ShouldBe(0, "nothing stays running");
        output.WriteLine($"FIGURES sigterm({store.Split(':')[0]}): short={shortJobs} succeeded long={longJobs} back-to-available exit-seconds={took.TotalSeconds:F1} running-after=0");
    }
}
