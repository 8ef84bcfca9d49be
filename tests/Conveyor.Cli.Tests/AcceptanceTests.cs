using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Conveyor.Cli.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Cli.Tests;

/// <summary>
/// The issue's acceptance checks, with real <c>conveyor worker</c> processes on one SQLite file:
/// SIGTERM while 100 jobs run (plus a throwing and a hanging handler) loses nothing and leaves nothing
/// running; three workers share 5,000 jobs, each claimed exactly once.
/// </summary>
public sealed class AcceptanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    [Fact]
    public async Task Sigterm_WhileHundredJobsRun_LeavesEveryJobSucceededRetryingDeadOrAvailable()
    {
        var clock = Stopwatch.StartNew();
        var worker = await _workspace.StartWorkerAsync("--concurrency", "120", "--poll-interval", "100ms",
            "--shutdown-timeout", "2s", "--cancel-grace", "1s", "--heartbeat-interval", "1s", "--lease-duration", "10s");

        var sleeps = new StringBuilder();
        for (var i = 0; i < 100; i++) sleeps.Append("""{"ms":120000}""").Append('\n');
        var sleepIds = (await _workspace.OkAsync("enqueue", "conveyor.sleep", "--from", _workspace.WriteFile("sleeps.jsonl", sleeps.ToString())))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToHashSet();
        var noops = new List<long>();
        for (var i = 0; i < 5; i++) noops.Add(await _workspace.EnqueueAsync("conveyor.noop"));
        var throwing = await _workspace.EnqueueAsync("conveyor.fail", "--args", """{"message":"handler threw"}""", "--max-attempts", "20");
        var permanent = await _workspace.EnqueueAsync("conveyor.fail", "--args", """{"message":"bad input","permanent":true}""");
        var hanging = await _workspace.EnqueueAsync("conveyor.hang", "--args", """{"ms":120000}""", "--timeout", "1s", "--max-attempts", "20");

        // 100 sleeps running, the hanging handler timed out and abandoned (its attempt recorded), the rest done.
        await Workspace.UntilAsync(async () =>
        {
            var counts = await _workspace.CountsAsync();
            var hang = await _workspace.JobAsync(hanging);
            return counts["running"] >= 100 && counts["succeeded"] == noops.Count && hang.GetProperty("errors").GetArrayLength() >= 1;
        }, Patience, "100 running sleeps, finished noops and a timed-out hanging handler");
        var running = (await _workspace.AllJobsAsync()).Where(j => j.GetProperty("state").GetString() == "running").Select(Id).ToHashSet();
        running.IsSupersetOf(sleepIds).ShouldBeTrue("all 100 sleeps run at the moment of SIGTERM");
        output.WriteLine($"100 jobs running after {clock.Elapsed.TotalSeconds:0.0} s");

        var stopping = Stopwatch.StartNew();
        worker.Terminate();
        var exitCode = await worker.WaitForExitAsync(Patience);
        output.WriteLine($"worker exited {exitCode} {stopping.Elapsed.TotalSeconds:0.0} s after SIGTERM");
        exitCode.ShouldBe(0, worker.Output);

        var jobs = await _workspace.AllJobsAsync();
        jobs.Count.ShouldBe(sleepIds.Count + noops.Count + 3);
        foreach (var job in jobs)
        {
            var state = job.GetProperty("state").GetString();
            state.ShouldBeOneOf(["succeeded", "retrying", "dead", "available"], $"job {Id(job)}");
            // A released attempt is given back: an available job carries only the attempts that failed.
            if (state == "available") job.GetProperty("attempt").GetInt32().ShouldBe(job.GetProperty("errors").GetArrayLength(), $"job {Id(job)}");
        }
        foreach (var job in jobs.Where(j => sleepIds.Contains(Id(j))))
        {
            job.GetProperty("state").GetString().ShouldBe("available");
            job.GetProperty("attempt").GetInt32().ShouldBe(0);
            job.GetProperty("errors").GetArrayLength().ShouldBe(0);
        }
        jobs.Where(j => noops.Contains(Id(j))).ShouldAllBe(j => j.GetProperty("state").GetString() == "succeeded");
        State(jobs, permanent).ShouldBe("dead");
        State(jobs, throwing).ShouldBeOneOf("retrying", "available");
        State(jobs, hanging).ShouldBeOneOf("retrying", "available");
        jobs.Single(j => Id(j) == hanging).GetProperty("errors")[0].GetProperty("type").GetString().ShouldBe("System.TimeoutException");
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task ThreeWorkers_OnOneSqliteFile_ProcessFiveThousandJobs_EachClaimedOnce()
    {
        const int count = 5_000;
        var clock = Stopwatch.StartNew();
        await _workspace.OkAsync("migrate");
        var workers = new List<WorkerProcess>();
        for (var i = 1; i <= 3; i++)
            workers.Add(await _workspace.StartWorkerAsync("--name", $"node-{i}", "--concurrency", "8", "--poll-interval", "100ms"));
        output.WriteLine($"3 workers up after {clock.Elapsed.TotalSeconds:0.0} s");

        var lines = new StringBuilder();
        for (var i = 1; i <= count; i++) lines.Append($$"""{"n":{{i}}}""").Append('\n');
        var enqueueClock = Stopwatch.StartNew();
        var ids = (await _workspace.OkAsync("enqueue", "conveyor.noop", "--from", _workspace.WriteFile("jobs.jsonl", lines.ToString())))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        ids.Length.ShouldBe(count);
        output.WriteLine($"enqueued {count} in {enqueueClock.Elapsed.TotalSeconds:0.0} s");

        await Workspace.UntilAsync(async () => (await _workspace.CountsAsync())["succeeded"] == count, Patience, $"{count} succeeded jobs");
        output.WriteLine($"all {count} succeeded {enqueueClock.Elapsed.TotalSeconds:0.0} s after the enqueue started");

        foreach (var worker in workers) worker.Terminate();
        foreach (var worker in workers) (await worker.WaitForExitAsync(Patience)).ShouldBe(0, worker.Output);

        var jobs = await _workspace.AllJobsAsync();
        jobs.Count.ShouldBe(count);
        jobs.ShouldAllBe(j => j.GetProperty("state").GetString() == "succeeded");
        jobs.ShouldAllBe(j => j.GetProperty("attempt").GetInt32() == 1);
        jobs.ShouldAllBe(j => j.GetProperty("errors").GetArrayLength() == 0);
        var perNode = jobs.GroupBy(j => j.GetProperty("node").GetString()).ToDictionary(g => g.Key!, g => g.Count());
        output.WriteLine($"jobs per node: {string.Join(", ", perNode.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}; total {clock.Elapsed.TotalSeconds:0.0} s");
        perNode.Keys.ShouldBe(["node-1", "node-2", "node-3"], ignoreOrder: true);
    }

    private static long Id(JsonElement job) => job.GetProperty("id").GetInt64();

    private static string? State(List<JsonElement> jobs, long id) => jobs.Single(j => Id(j) == id).GetProperty("state").GetString();
}
