using Conveyor.Cluster.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Conveyor.Cluster.Tests;

/// <summary>
/// Queues sharing one pool of slots on a real <c>conveyor worker</c> on PostgreSQL: a flooded queue takes the whole
/// pool while alone, and a quiet queue beside it still starts its jobs within a second.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class FairQueueTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task AFloodedQueue_TakesTheWholePoolAlone_YetAQuietQueuesJobsStartWithinASecond()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        // 200 ms jobs: far longer than the prefetch horizon, so the store's running jobs are the ones the node runs.
        var file = Path.Combine(cluster.Directory, "flood.jsonl");
        // 2,000 of them keep 4 slots busy for 100 s: the flood outlasts the quiet jobs however slow a loaded machine makes this test.
        await File.WriteAllLinesAsync(file, Enumerable.Repeat("""{"ms": 200}""", 2000));
        await cluster.OkAsync("enqueue", "conveyor.sleep", "--from", file, "--queue", "flood");
        await cluster.StartWorkerAsync("pool-node", Timings, "--concurrency", "4", "--queues", "flood,quiet");

        var node = (await cluster.NodesAsync()).Single();
        node.GetProperty("slots").GetInt32().ShouldBe(4, "one pool of 4 slots, not 4 per queue");
        node.GetProperty("queues").GetProperty("quiet").GetProperty("slots").GetInt32().ShouldBe(4, "a queue without a number may use the whole pool");
        await TestCluster.UntilAsync(async () => await RunningAsync(cluster, "flood") == 4, TimeSpan.FromSeconds(30),
            "the flood to run on all 4 slots", pollMilliseconds: 20);

        // Enqueued from this process, so that a job's createdAt is the moment of its insert (a CLI call's start-up would blur it).
        var services = new ServiceCollection();
        services.AddConveyor(o => o.UsePostgres(cluster.Store));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<JobClient>();
        var quiet = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            quiet.Add((await client.EnqueueAsync(new JobRequest("conveyor.sleep", """{"ms": 200}""", new JobOptions { Queue = "quiet" }))).Id);
            await TestCluster.UntilAsync(async () => await RunningAsync(cluster, "quiet") == 0 && (await cluster.JobAsync(quiet[^1])).GetProperty("state").GetString() == "succeeded",
                TimeSpan.FromSeconds(30), "the quiet job to succeed", pollMilliseconds: 50);
        }
        await TestCluster.UntilAsync(async () =>
        {
            foreach (var id in quiet)
                if ((await cluster.JobAsync(id)).GetProperty("state").GetString() != "succeeded") return false;
            return true;
        }, TimeSpan.FromSeconds(30), "the quiet queue's jobs to succeed", pollMilliseconds: 100);

        var floodLeft = await CountAsync(cluster, "queue = 'flood' AND state = 'available'");
        output.WriteLine($"flood jobs still waiting when the quiet ones were done: {floodLeft}");
        floodLeft.ShouldBeGreaterThan(0, "the quiet jobs ran while the flood was still waiting");
        foreach (var id in quiet)
        {
            var job = await cluster.JobAsync(id);
            var waited = job.GetProperty("startedAt").GetDateTimeOffset() - job.GetProperty("createdAt").GetDateTimeOffset();
            output.WriteLine($"quiet job {id} started {waited.TotalMilliseconds:F0} ms after its enqueue");
            waited.ShouldBeLessThan(TimeSpan.FromSeconds(1), $"quiet job {id}");
        }
    }

    private static async Task<long> RunningAsync(TestCluster cluster, string queue) =>
        await CountAsync(cluster, queue == "flood" ? "queue = 'flood' AND state = 'running'" : "queue = 'quiet' AND state = 'running'");

    /// <summary>Jobs matching <paramref name="condition"/> (a constant SQL text of this class).</summary>
    private static async Task<long> CountAsync(TestCluster cluster, string condition)
    {
        await using var connection = new NpgsqlConnection(cluster.Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{cluster.Schema}\".jobs WHERE {condition}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
