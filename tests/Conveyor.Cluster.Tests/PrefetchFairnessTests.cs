using Conveyor.Cluster.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Conveyor.Cluster.Tests;

/// <summary>
/// The adaptive prefetch seen from outside, on real <c>conveyor worker</c> processes and a real PostgreSQL: long jobs
/// spread evenly over the nodes (a job slower than the 10 ms horizon is never prefetched), and a node stopped
/// gracefully puts back the jobs it prefetched without charging an attempt. The store is read directly (the
/// <c>jobs</c> table of the test's schema), as often as every 10 ms, which a CLI call per look could not do.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class PrefetchFairnessTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;
    private const string LongJob = """{"ms": 2000}""";
    private const string LongJobCondition = "args->>'ms' = '2000'";

    [Fact]
    public async Task ThreeIdleNodesOf8Slots_24JobsOf2sEnqueuedAtOnce_EachNodeRunsExactly8()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        var nodes = await StartNodesAsync(cluster, 3, 8);

        var ids = await cluster.EnqueueManyAsync("conveyor.sleep", 24, LongJob);

        // All 24 start in the first wave (2 s each): 8 slots per node leaves no room for a node to take more.
        await TestCluster.UntilAsync(async () => (await RunningPerNodeAsync(cluster)).Values.Sum() == 24,
            TimeSpan.FromSeconds(30), "all 24 jobs running", pollMilliseconds: 20);
        var running = await RunningPerNodeAsync(cluster);
        output.WriteLine("running per node: " + Describe(running));
        running.Keys.Order().ShouldBe(nodes);
        running.Values.ShouldAllBe(n => n == 8);

        await AssertEachNodeRan8Async(cluster, ids, nodes);
    }

    [Fact]
    public async Task ThreeNodesWarmFrom12msJobs_24JobsOf2sBehindThem_EachNodeRunsExactly8()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        var nodes = await StartNodesAsync(cluster, 3, 8);

        // 12 ms jobs at 8 slots finish ~600 times a second per node: a prefetch judged from the rate alone would hold
        // ~6 jobs beyond the slots, and the node that reaches the long jobs first would take up to 14 of them. 12 ms
        // exceeds the 10 ms horizon, so with the long-job rule no node holds more than its 8 slots. The long jobs are
        // queued first at a lower priority on the paused queue, so they come right behind the short ones.
        await cluster.OkAsync("queues", "pause", "default");
        var ids = await cluster.EnqueueManyAsync("conveyor.sleep", 24, LongJob);
        await EnqueueWithPriorityAsync(cluster, "conveyor.sleep", 2500, """{"ms": 12}""", priority: 1);
        await cluster.OkAsync("queues", "resume", "default");

        // Only the long jobs are counted: a short job stays "running" in the store until its node stores the outcome in
        // a batch, so all jobs per node would count finished ones too. A long job still running after its claim is held.
        var most = 0L;
        await TestCluster.UntilAsync(async () =>
        {
            var held = await RunningPerNodeAsync(cluster, LongJobCondition);
            most = Math.Max(most, held.Values.DefaultIfEmpty(0).Max());
            return held.Values.Sum() == 24;
        }, TimeSpan.FromSeconds(60), "the 24 long jobs running after the short ones", pollMilliseconds: 10);
        var running = await RunningPerNodeAsync(cluster, LongJobCondition);
        output.WriteLine($"most long jobs one node held: {most} (8 slots); once all 24 started: " + Describe(running));
        most.ShouldBeLessThanOrEqualTo(8, "a node prefetched jobs slower than the 10 ms horizon");

        await AssertEachNodeRan8Async(cluster, ids, nodes);
    }

    [Fact]
    public async Task NodePrefetchingShortJobs_StoppedBySigterm_LeavesNoneRunning_ChargesNoAttempt()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        const int jobs = 20_000;
        const int slots = 8;
        // 2 ms jobs: far below the horizon, and fast enough (hundreds a second) for the node to hold some ahead.
        await cluster.EnqueueManyAsync("conveyor.sleep", jobs, """{"ms": 2}""");
        var versionsBefore = await RowVersionsAsync(cluster);
        // Whether the node holds prefetched jobs at the instant of the stop depends on timing (on a loaded machine its
        // rate, and so its prefetch, can be near zero): up to three nodes are stopped in turn until one held some.
        var released = 0;
        for (var round = 1; round <= 3 && released == 0; round++)
        {
            var node = await cluster.StartWorkerAsync($"node-{round}", Timings, "--concurrency", slots.ToString());

            // Stop it in full flow: its prefetch is then judged from a steady rate, so it holds jobs it has not started.
            var target = await CountAsync(cluster, "state = 'succeeded'") + 2000;
            await TestCluster.UntilAsync(async () => await CountAsync(cluster, "state = 'succeeded'") >= target,
                TimeSpan.FromSeconds(60), $"node-{round} in full flow (2,000 more jobs done)", pollMilliseconds: 10);
            node.Terminate();
            (await node.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, node.Output);

            (await CountAsync(cluster, "state = 'running'")).ShouldBe(0, "a graceful stop leaves no job running");
            (await CountAsync(cluster, "true")).ShouldBe(jobs);
            (await CountAsync(cluster, "state NOT IN ('succeeded', 'available')")).ShouldBe(0);
            (await CountAsync(cluster, "errors <> '[]'::jsonb")).ShouldBe(0, "no attempt failed");
            (await CountAsync(cluster, "state = 'succeeded' AND attempt <> 1")).ShouldBe(0, "each job that ran started once");
            (await CountAsync(cluster, "state = 'available' AND (attempt <> 0 OR node IS NOT NULL OR started_at IS NOT NULL)"))
                .ShouldBe(0, "a job put back is as if never claimed: attempt 0, no node, not started");

            // Jobs put back are the available ones whose row changed since the enqueue (claimed, then released).
            var versionsAfter = await RowVersionsAsync(cluster, "state = 'available'");
            released = versionsAfter.Count(v => versionsBefore[v.Key] != v.Value);
            var succeeded = await CountAsync(cluster, "state = 'succeeded'");
            output.WriteLine($"after stop {round}: {succeeded} succeeded, {released} put back uncharged, {versionsAfter.Count - released} never claimed");
        }
        released.ShouldBeGreaterThan(0, "a node held prefetched jobs when it stopped; they must have gone back");
        (await cluster.CliCountsAsync()).GetValueOrDefault("running").ShouldBe(0);
    }

    private async Task<List<string>> StartNodesAsync(TestCluster cluster, int count, int slots)
    {
        output.WriteLine($"timings: {Timings}");
        var names = Enumerable.Range(1, count).Select(i => $"node-{i}").ToList();
        await Task.WhenAll(names.Select(name => cluster.StartWorkerAsync(name, Timings, "--concurrency", slots.ToString())));
        return names;
    }

    private async Task AssertEachNodeRan8Async(TestCluster cluster, IReadOnlyList<long> ids, IReadOnlyList<string> nodes)
    {
        var wanted = ids.ToHashSet();
        await TestCluster.UntilAsync(async () => (await cluster.AllJobsAsync("succeeded")).Count(j => wanted.Contains(j.GetProperty("id").GetInt64())) == 24,
            TimeSpan.FromSeconds(60), "the 24 long jobs to succeed", pollMilliseconds: 500);
        var longJobs = (await cluster.AllJobsAsync()).Where(j => wanted.Contains(j.GetProperty("id").GetInt64())).ToList();
        longJobs.ShouldAllBe(j => j.GetProperty("attempt").GetInt32() == 1 && j.GetProperty("errors").GetArrayLength() == 0);
        var ran = longJobs.GroupBy(j => j.GetProperty("node").GetString()!).ToDictionary(g => g.Key, g => (long)g.Count());
        output.WriteLine("long jobs run per node (jobs list --json): " + Describe(ran));
        ran.Keys.Order().ShouldBe(nodes);
        ran.Values.ShouldAllBe(n => n == 8);
    }

    private static async Task EnqueueWithPriorityAsync(TestCluster cluster, string kind, int count, string argsJson, int priority)
    {
        var file = Path.Combine(cluster.Directory, $"jobs-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Repeat(argsJson, count));
        var ids = (await cluster.OkAsync("enqueue", kind, "--from", file, "--priority", priority.ToString())).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        ids.Length.ShouldBe(count);
    }

    /// <summary>Jobs in state running per node, as the store has them (<paramref name="condition"/>: a constant SQL text of this class).</summary>
    private static async Task<Dictionary<string, long>> RunningPerNodeAsync(TestCluster cluster, string condition = "true")
    {
        var counts = new Dictionary<string, long>();
        await using var connection = await OpenAsync(cluster);
        await using var command = new NpgsqlCommand($"SELECT node, count(*) FROM \"{cluster.Schema}\".jobs WHERE state = 'running' AND {condition} GROUP BY node", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    /// <summary>Jobs matching <paramref name="condition"/> (a constant SQL text of this class).</summary>
    private static async Task<long> CountAsync(TestCluster cluster, string condition)
    {
        await using var connection = await OpenAsync(cluster);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{cluster.Schema}\".jobs WHERE {condition}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Each job's row version (<c>xmin</c>): it changes whenever the row is written, so also by a claim and a release.</summary>
    private static async Task<Dictionary<long, string>> RowVersionsAsync(TestCluster cluster, string condition = "true")
    {
        var versions = new Dictionary<long, string>();
        await using var connection = await OpenAsync(cluster);
        await using var command = new NpgsqlCommand($"SELECT id, xmin::text FROM \"{cluster.Schema}\".jobs WHERE {condition}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) versions[reader.GetInt64(0)] = reader.GetString(1);
        return versions;
    }

    private static async Task<NpgsqlConnection> OpenAsync(TestCluster cluster)
    {
        var connection = new NpgsqlConnection(cluster.Server.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static string Describe(IReadOnlyDictionary<string, long> perNode) =>
        string.Join(", ", perNode.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"));
}
