using System.Diagnostics;
using Conveyor.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Cluster.Tests;

/// <summary>A batch spread over several real <c>conveyor worker</c> processes on PostgreSQL, one of them killed mid-run.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class BatchTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task ThousandChildrenOnThreeNodes_OneKilled_TheCallbackRunsExactlyOnce_AfterEveryChildIsFinal()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}");
        const int children = 1000;
        var file = Path.Combine(cluster.Directory, "children.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Repeat("""{"ms": 100}""", children));
        var batchId = long.Parse((await cluster.OkAsync("enqueue", "conveyor.sleep", "--from", file, "--batch-then", "conveyor.echo",
            "--batch-then-args", """{"reduce": true}""")).Trim());
        var callbackId = TestCluster.Parse(await cluster.OkAsync("batches", "show", batchId.ToString(), "--json"))
            .GetProperty("callback").GetProperty("id").GetInt64();

        var watch = Stopwatch.StartNew();
        var workers = new List<WorkerProcess>();
        for (var i = 1; i <= 3; i++) workers.Add(await cluster.StartWorkerAsync($"node-{i}", Timings, "--concurrency", "8"));
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") >= 150,
            TimeSpan.FromMinutes(2), "work under way", pollMilliseconds: 100);
        // The victim must hold children when it dies (on a loaded machine it may have started late).
        await using (var connection = new Npgsql.NpgsqlConnection(cluster.Server.ConnectionString))
        {
            await connection.OpenAsync();
            await TestCluster.UntilAsync(async () =>
            {
                await using var running = new Npgsql.NpgsqlCommand(
                    $"SELECT count(*) FROM \"{cluster.Schema}\".jobs WHERE state = 'running' AND node = 'node-2'", connection);
                return (long)(await running.ExecuteScalarAsync())! > 0;
            }, TimeSpan.FromMinutes(1), "node-2 running children", pollMilliseconds: 20);
        }
        var victim = workers[1];
        victim.Kill();
        output.WriteLine($"node-2 killed {watch.Elapsed.TotalSeconds:F1}s after the start");

        await TestCluster.UntilAsync(async () => (await cluster.JobAsync(callbackId)).GetProperty("state").GetString() == "succeeded",
            TimeSpan.FromMinutes(3), "the batch's callback to succeed", pollMilliseconds: 500);
        output.WriteLine($"callback succeeded {watch.Elapsed.TotalSeconds:F1}s after the start");

        var callback = await cluster.JobAsync(callbackId);
        callback.GetProperty("attempt").GetInt32().ShouldBe(1, "a second claim of the callback would show as attempt 2");
        callback.GetProperty("errors").GetArrayLength().ShouldBe(0);
        callback.GetProperty("result").GetProperty("reduce").GetBoolean().ShouldBeTrue();
        var callbackStarted = callback.GetProperty("startedAt").GetDateTimeOffset();

        var batch = TestCluster.Parse(await cluster.OkAsync("batches", "show", batchId.ToString(), "--json"));
        batch.GetProperty("complete").GetBoolean().ShouldBeTrue();
        batch.GetProperty("remaining").GetInt32().ShouldBe(0);
        batch.GetProperty("counts").GetProperty("succeeded").GetInt64().ShouldBe(children);

        var jobs = (await cluster.AllJobsAsync()).Where(j => j.GetProperty("batchId").ValueKind == System.Text.Json.JsonValueKind.Number).ToList();
        jobs.Count.ShouldBe(children);
        jobs.ShouldAllBe(j => j.GetProperty("batchId").GetInt64() == batchId);
        jobs.ShouldAllBe(j => j.GetProperty("state").GetString() == "succeeded");
        var lastFinished = jobs.Max(j => j.GetProperty("finishedAt").GetDateTimeOffset());
        callbackStarted.ShouldBeGreaterThanOrEqualTo(lastFinished, "the callback starts only after every child is final");
        var rescued = jobs.Count(j => j.GetProperty("errors").EnumerateArray()
            .Any(e => e.GetProperty("message").GetString() == "lease expired (node node-2 lost)"));
        output.WriteLine($"{rescued} children were running on the killed node and ran again elsewhere");
        rescued.ShouldBeGreaterThan(0, "the kill must have caught node-2 with children running");
        var byNode = jobs.GroupBy(j => j.GetProperty("node").GetString()).ToDictionary(g => g.Key!, g => g.Count());
        output.WriteLine("children per node: " + string.Join(", ", byNode.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}")));
    }
}
