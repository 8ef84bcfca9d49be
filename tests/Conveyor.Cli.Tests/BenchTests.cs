using System.Text.Json;
using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary>
/// <c>conveyor bench</c> as CONTRACT.md shapes it: one JSON object per measure, every measure on a fresh store that is
/// removed afterwards. Only the shape and the bookkeeping are checked; speed is never asserted here.
/// </summary>
public sealed class BenchTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    private static List<JsonElement> JsonLines(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];

    [Fact]
    public async Task Json_PrintsOneObjectPerMeasure_InOrder_WithMedianAndRange()
    {
        var results = JsonLines(await _workspace.OkAsync(
            "--store", "memory:", "bench", "--jobs", "400", "--latency-jobs", "20", "--runs", "3", "--json"));

        results.Select(r => r.GetProperty("measure").GetString()).ShouldBe(["enqueue_single", "enqueue_bulk", "process", "latency"]);
        foreach (var result in results)
        {
            result.GetProperty("store").GetString().ShouldBe("memory");
            result.GetProperty("concurrency").GetInt32().ShouldBe(16);
            result.GetProperty("runs").GetInt32().ShouldBe(3);
        }
        foreach (var result in results.Take(3))
        {
            result.GetProperty("jobs").GetInt32().ShouldBe(400);
            var rate = result.GetProperty("jobs_per_s").GetDouble();
            rate.ShouldBeGreaterThan(0);
            result.GetProperty("jobs_per_s_min").GetDouble().ShouldBeLessThanOrEqualTo(rate);
            result.GetProperty("jobs_per_s_max").GetDouble().ShouldBeGreaterThanOrEqualTo(rate);
            // The memory store runs in the bench's process: its CPU is the node's figure, and there is no server.
            result.GetProperty("node_cpu_us_per_job").GetDouble().ShouldBeGreaterThan(0);
            result.GetProperty("server_cpu_us_per_job").ValueKind.ShouldBe(JsonValueKind.Null);
        }
        var latency = results[3];
        latency.GetProperty("jobs").GetInt32().ShouldBe(20);
        latency.GetProperty("node_cpu_us_per_job").ValueKind.ShouldBe(JsonValueKind.Null);
        var p50 = latency.GetProperty("p50_ms").GetDouble();
        p50.ShouldBeGreaterThan(0);
        latency.GetProperty("p99_ms").GetDouble().ShouldBeGreaterThanOrEqualTo(p50);
        results[0].GetProperty("p99_ms").GetDouble().ShouldBeGreaterThanOrEqualTo(results[0].GetProperty("p50_ms").GetDouble());
    }

    [Fact]
    public async Task Sqlite_MeasuresOnFreshFiles_AndLeavesNothingBehind()
    {
        var before = Directory.GetFiles(_workspace.Directory);

        var results = JsonLines(await _workspace.OkAsync("bench", "--measure", "enqueue_bulk,process", "--jobs", "1500", "--json"));

        results.Select(r => r.GetProperty("measure").GetString()).ShouldBe(["enqueue_bulk", "process"]);
        results.ShouldAllBe(r => r.GetProperty("store").GetString() == "sqlite" && r.GetProperty("jobs").GetInt32() == 1500);
        Directory.GetFiles(_workspace.Directory).ShouldBe(before, ignoreOrder: true);
        // The named store was not used for the measures.
        (await _workspace.CountsAsync()).Values.Sum().ShouldBe(0);
    }

    [Fact]
    public async Task Nodes_RunsProcessOnNodeProcesses_AndLeavesNoneRunning()
    {
        // Enough jobs for the timed window to span several of the kernel's 10 ms CPU-time ticks, or the node
        // processes' CPU can read 0.
        var results = JsonLines(await _workspace.OkAsync("bench", "--measure", "process", "--nodes", "2", "--jobs", "4000", "--json"));

        var result = results.ShouldHaveSingleItem();
        result.GetProperty("measure").GetString().ShouldBe("process");
        result.GetProperty("nodes").GetInt32().ShouldBe(2);
        result.GetProperty("jobs").GetInt32().ShouldBe(4000);
        result.GetProperty("jobs_per_s").GetDouble().ShouldBeGreaterThan(0);
        // The node processes' CPU (SQLite runs inside them); SQLite has no server of its own.
        result.GetProperty("node_cpu_us_per_job").GetDouble().ShouldBeGreaterThan(0);
        result.GetProperty("server_cpu_us_per_job").ValueKind.ShouldBe(JsonValueKind.Null);
        // The worker processes were started on the bench's fresh file; none outlives the bench.
        System.Diagnostics.Process.GetProcesses()
            .Count(p => { try { return File.ReadAllText($"/proc/{p.Id}/cmdline").Contains(_workspace.Directory); } catch (IOException) { return false; } })
            .ShouldBe(0);
        Directory.GetFiles(_workspace.Directory).ShouldBeEmpty();
    }

    [Fact]
    public async Task WithoutJson_PrintsOneLinePerMeasure()
    {
        var result = await _workspace.RunAsync("--store", "memory:", "bench", "--measure", "process", "--jobs", "300");

        result.ExitCode.ShouldBe(0, result.ToString());
        var line = result.OutputLines.ShouldHaveSingleItem();
        line.ShouldStartWith("process");
        line.ShouldContain("memory");
        line.ShouldContain("300 jobs");
        line.ShouldContain("jobs/s");
        line.ShouldContain("CPU per job");
    }
}
