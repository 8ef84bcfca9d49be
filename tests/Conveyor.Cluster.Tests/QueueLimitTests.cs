using Conveyor.Cluster.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Conveyor.Cluster.Tests;

/// <summary>
/// The cluster-wide queue limits seen from outside, on real <c>conveyor worker</c> processes and a real PostgreSQL:
/// a global limit holds across nodes at every instant (the store is sampled every 10 ms), and a rate limit holds over
/// seconds. The limits are set with the CLI (<c>queues limit</c>), as an operator would.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class QueueLimitTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task GlobalLimit3_ThreeNodesOf10Slots_NeverMoreThan3Running()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await cluster.OkAsync("queues", "limit", "default", "--global", "3", "--create");
        const int jobs = 120;
        await cluster.EnqueueManyAsync("conveyor.sleep", jobs, """{"ms": 40}""");
        await Task.WhenAll(Enumerable.Range(1, 3).Select(i => cluster.StartWorkerAsync($"node-{i}", Timings, "--concurrency", "10")));

        var most = 0L;
        var samples = 0;
        var elapsed = await TestCluster.UntilAsync(async () =>
        {
            var (running, succeeded) = await RunningAndSucceededAsync(cluster);
            most = Math.Max(most, running);
            samples++;
            return succeeded == jobs;
        }, TimeSpan.FromSeconds(120), $"all {jobs} jobs to succeed", pollMilliseconds: 10);

        var perNode = await RanPerNodeAsync(cluster);
        output.WriteLine($"{samples} samples in {elapsed.TotalSeconds:F1}s; most running at once: {most}; ran per node: " +
            string.Join(", ", perNode.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}")));
        most.ShouldBeLessThanOrEqualTo(3, "the global limit of 3 was exceeded");
        most.ShouldBe(3, "the limit should be used, not undercut");
        perNode.Count.ShouldBeGreaterThan(1, "the limit is cluster-wide: several nodes share it");
    }

    [Fact]
    public async Task RateLimit50PerSecond_ThreeNodes_HoldsWithin10PercentOver10Seconds()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await cluster.OkAsync("queues", "limit", "default", "--rate", "50/1s", "--create");
        await cluster.EnqueueManyAsync("conveyor.noop", 800);
        await Task.WhenAll(Enumerable.Range(1, 3).Select(i => cluster.StartWorkerAsync($"node-{i}", Timings, "--concurrency", "10")));

        // Ten seconds after the first start, plus a margin for the last claims to be written.
        await TestCluster.UntilAsync(async () => await StartedSinceFirstAsync(cluster, TimeSpan.FromSeconds(10.5)) is { Window: true },
            TimeSpan.FromSeconds(60), "ten seconds of starts", pollMilliseconds: 100);
        var starts = await StartTimesAsync(cluster);
        var first = starts[0];
        var inTenSeconds = starts.Count(s => s < first + TimeSpan.FromSeconds(10));
        // The rule itself, for every window of one second that begins at a start: never more than 50 starts.
        var busiest = starts.Select((s, i) => starts.Skip(i).TakeWhile(t => t < s + TimeSpan.FromSeconds(1)).Count()).Max();
        var nodes = await RanPerNodeAsync(cluster);
        output.WriteLine($"{inTenSeconds} starts in the first 10 s (500 expected); busiest one-second window: {busiest}; nodes: {nodes.Count}");

        busiest.ShouldBeLessThanOrEqualTo(50, "a one-second window held more than 50 starts");
        inTenSeconds.ShouldBeInRange(450, 550);
        nodes.Count.ShouldBeGreaterThan(1, "the rate is shared by the nodes");
    }

    private static async Task<(long Running, long Succeeded)> RunningAndSucceededAsync(TestCluster cluster)
    {
        await using var connection = await OpenAsync(cluster);
        await using var command = new NpgsqlCommand(
            $"SELECT count(*) FILTER (WHERE state = 'running'), count(*) FILTER (WHERE state = 'succeeded') FROM \"{cluster.Schema}\".jobs", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<(bool Window, long Count)> StartedSinceFirstAsync(TestCluster cluster, TimeSpan window)
    {
        await using var connection = await OpenAsync(cluster);
        await using var command = new NpgsqlCommand(
            $"SELECT now() - min(started_at) >= $1, count(*) FROM \"{cluster.Schema}\".jobs WHERE started_at IS NOT NULL", connection);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = window });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (!reader.IsDBNull(0) && reader.GetBoolean(0), reader.GetInt64(1));
    }

    /// <summary>Every job's start time, in order (no job fails here, so each job started once).</summary>
    private static async Task<List<DateTime>> StartTimesAsync(TestCluster cluster)
    {
        var starts = new List<DateTime>();
        await using var connection = await OpenAsync(cluster);
        await using var command = new NpgsqlCommand(
            $"SELECT started_at FROM \"{cluster.Schema}\".jobs WHERE started_at IS NOT NULL ORDER BY started_at", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) starts.Add(reader.GetDateTime(0));
        return starts;
    }

    private static async Task<Dictionary<string, long>> RanPerNodeAsync(TestCluster cluster)
    {
        var counts = new Dictionary<string, long>();
        await using var connection = await OpenAsync(cluster);
        await using var command = new NpgsqlCommand($"SELECT node, count(*) FROM \"{cluster.Schema}\".jobs WHERE node IS NOT NULL GROUP BY node", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    private static async Task<NpgsqlConnection> OpenAsync(TestCluster cluster)
    {
        var connection = new NpgsqlConnection(cluster.Server.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
