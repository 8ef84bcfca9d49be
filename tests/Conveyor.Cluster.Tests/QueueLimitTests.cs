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
        // One connection for every sample, so that a sample costs a query, not a connection (10 ms apart).
        await using var sampler = await OpenAsync(cluster);
        var elapsed = await TestCluster.UntilAsync(async () =>
        {
            var (running, succeeded) = await RunningAndSucceededAsync(cluster, sampler);
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

        // The store's start log holds the claims of the last second (each claim prunes the older ones); read every
        // 100 ms, it yields every claim's time. Ten seconds after the first start, plus a margin for the last claims.
        var claims = new Dictionary<DateTime, long>();
        await using var sampler = await OpenAsync(cluster);
        await TestCluster.UntilAsync(async () =>
        {
            await SampleStartLogAsync(cluster, sampler, claims);
            return await StartedSinceFirstAsync(cluster, sampler, TimeSpan.FromSeconds(10.5));
        }, TimeSpan.FromSeconds(60), "ten seconds of starts", pollMilliseconds: 100);
        var claimed = claims.OrderBy(c => c.Key).SelectMany(c => Enumerable.Repeat(c.Key, (int)c.Value)).ToList();
        // The rule itself, for every window of one second that begins at a claim: never more than 50 starts.
        var busiest = claimed.Select((s, i) => claimed.Skip(i).TakeWhile(t => t < s + TimeSpan.FromSeconds(1)).Count()).Max();
        // And as the jobs tell it (their handlers' start times): 500 in ten seconds, within 10 %.
        var starts = await StartTimesAsync(cluster);
        var inTenSeconds = starts.Count(s => s < starts[0] + TimeSpan.FromSeconds(10));
        var nodes = await RanPerNodeAsync(cluster);
        output.WriteLine($"{inTenSeconds} jobs started in the first 10 s (500 expected); busiest one-second window of claims: {busiest}; nodes: {nodes.Count}");

        busiest.ShouldBeLessThanOrEqualTo(50, "a one-second window held more than 50 starts");
        inTenSeconds.ShouldBeInRange(450, 550);
        nodes.Count.ShouldBeGreaterThan(1, "the rate is shared by the nodes");
    }

    private static async Task<(long Running, long Succeeded)> RunningAndSucceededAsync(TestCluster cluster, NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT count(*) FILTER (WHERE state = 'running'), count(*) FILTER (WHERE state = 'succeeded') FROM \"{cluster.Schema}\".jobs", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<bool> StartedSinceFirstAsync(TestCluster cluster, NpgsqlConnection connection, TimeSpan window)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT COALESCE(now() - min(started_at) >= $1, false) FROM \"{cluster.Schema}\".jobs WHERE started_at IS NOT NULL", connection);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = window });
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Adds the start log's rows to <paramref name="claims"/> (claims of one instant: the most rows seen for it).</summary>
    private static async Task SampleStartLogAsync(TestCluster cluster, NpgsqlConnection connection, Dictionary<DateTime, long> claims)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT started_at, count(*) FROM \"{cluster.Schema}\".queue_starts WHERE queue = 'default' GROUP BY started_at", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var at = reader.GetDateTime(0);
            claims[at] = Math.Max(claims.GetValueOrDefault(at), reader.GetInt64(1));
        }
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
