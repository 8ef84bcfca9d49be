using System.Text.Json;
using Conveyor.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Cluster.Tests;

/// <summary>
/// Key affinity with three real <c>conveyor worker</c> processes on PostgreSQL: the jobs of each key run on one node,
/// and after a kill -9 the dead node's keys run elsewhere within the lease.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class AffinityTests(ITestOutputHelper output)
{
    // A grace of 4 s (2 s by default) and a lease of 10 s: on a small shared machine a node can stall for a couple of
    // seconds, and a job its owner does not reach within the grace rightly goes to another node. The rule under test
    // holds alike: each key's jobs on one node, and a dead node's keys elsewhere within the lease (grace < lease).
    private static readonly ClusterTimings Timings = ClusterTimings.Short with { Lease = TimeSpan.FromSeconds(10) };
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(4);
    private const int Keys = 20;

    [Fact]
    public async Task AThousandJobsOn20Keys_OverThreeNodes_EachKeyRunsOnOneNode_AndAKilledNodesKeysMoveWithinTheLease()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}, affinity grace {Grace.TotalSeconds}s");
        var nodes = new[] { "node-1", "node-2", "node-3" };
        var workers = await Task.WhenAll(nodes.Select(n => cluster.StartWorkerAsync(n, Timings, "--concurrency", "4",
            "--affinity-grace", $"{Grace.TotalSeconds}s")));
        await UntilEveryNodeSawTheOthersAsync(cluster, 3);

        var first = await EnqueueRoundAsync(cluster, "first", 50);
        await UntilSucceededAsync(cluster, first, TimeSpan.FromSeconds(60));
        var byKey = await NodesByKeyAsync(cluster, first);
        Report("first round", byKey);
        await ReportStraysAsync(cluster, first, byKey);
        foreach (var (key, ran) in byKey)
            ((double)ran.Values.Max() / ran.Values.Sum()).ShouldBeGreaterThanOrEqualTo(0.95, $"{key}: {Describe(ran)}");
        var owners = byKey.ToDictionary(k => k.Key, k => k.Value.MaxBy(n => n.Value).Key);
        owners.Values.Distinct().Count().ShouldBe(3, "the keys spread over the three nodes");

        // Kill the node that owns the most keys; its keys' jobs must run on the others within the lease.
        var victim = owners.Values.GroupBy(n => n).MaxBy(g => g.Count())!.Key;
        var orphaned = owners.Where(o => o.Value == victim).Select(o => o.Key).ToHashSet();
        workers[Array.IndexOf(nodes, victim)].Kill();
        var second = await EnqueueRoundAsync(cluster, "second", 10);
        await UntilSucceededAsync(cluster, second, Timings.Lease + TimeSpan.FromSeconds(20));
        var secondJobs = await JobsAsync(cluster, second);
        var slowest = secondJobs.Max(j => j.GetProperty("finishedAt").GetDateTimeOffset() - j.GetProperty("createdAt").GetDateTimeOffset());
        output.WriteLine($"killed {victim} (owner of {orphaned.Count} keys); the jobs enqueued after it each finished within {slowest.TotalSeconds:F1}s of their enqueue");
        secondJobs.ShouldAllBe(j => j.GetProperty("node").GetString() != victim);
        slowest.ShouldBeLessThan(Timings.Lease, "the dead node's keys run elsewhere within the lease");

        // Once the registry has dropped it, the survivors share its keys and each key has one node again.
        await TestCluster.UntilAsync(async () => (await cluster.NodesAsync()).Count == 2, Timings.Lease + TimeSpan.FromSeconds(10), "the dead node to leave");
        await UntilEveryNodeSawTheOthersAsync(cluster, 2, since: DateTimeOffset.UtcNow);
        var third = await EnqueueRoundAsync(cluster, "third", 20);
        await UntilSucceededAsync(cluster, third, TimeSpan.FromSeconds(60));
        var afterwards = await NodesByKeyAsync(cluster, third);
        Report("after the kill", afterwards);
        await ReportStraysAsync(cluster, third, afterwards);
        foreach (var (key, ran) in afterwards)
        {
            ran.Keys.ShouldNotContain(victim);
            ((double)ran.Values.Max() / ran.Values.Sum()).ShouldBeGreaterThanOrEqualTo(0.95, $"{key}: {Describe(ran)}");
            if (!orphaned.Contains(key)) ran.MaxBy(n => n.Value).Key.ShouldBe(owners[key], $"{key} kept its owner: only the dead node's keys move");
        }
    }

    /// <summary>
    /// Waits until every live node has had a heartbeat after the last of them started (and after <paramref name="since"/>):
    /// each has read the registry as it is now.
    /// </summary>
    private static Task UntilEveryNodeSawTheOthersAsync(TestCluster cluster, int count, DateTimeOffset? since = null) =>
        TestCluster.UntilAsync(async () =>
        {
            var nodes = await cluster.NodesAsync();
            if (nodes.Count != count) return false;
            var after = nodes.Max(n => n.GetProperty("startedAt").GetDateTimeOffset());
            if (since > after) after = since.Value;
            return nodes.All(n => n.GetProperty("heartbeatAt").GetDateTimeOffset() > after + TimeSpan.FromMilliseconds(500));
        }, TimeSpan.FromSeconds(30), $"{count} nodes to see each other", pollMilliseconds: 200);

    /// <summary>Enqueues <paramref name="perKey"/> jobs for each of the keys, the keys interleaved; returns the ids.</summary>
    private static async Task<HashSet<long>> EnqueueRoundAsync(TestCluster cluster, string round, int perKey)
    {
        var ids = new HashSet<long>();
        var file = Path.Combine(cluster.Directory, $"{round}.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Repeat("""{"ms": 2}""", perKey));
        // One CLI call per key, one after the other: twenty at once would starve the nodes of CPU on a small machine, and
        // jobs their owner cannot reach within the grace rightly go to any node.
        for (var k = 0; k < Keys; k++)
        {
            var output = await cluster.OkAsync("enqueue", "conveyor.sleep", "--from", file, "--affinity-key", $"tenant-{k}");
            foreach (var id in output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) ids.Add(long.Parse(id));
        }
        ids.Count.ShouldBe(Keys * perKey);
        return ids;
    }

    private static async Task UntilSucceededAsync(TestCluster cluster, HashSet<long> ids, TimeSpan timeout) =>
        await TestCluster.UntilAsync(async () => (await JobsAsync(cluster, ids)).All(j => j.GetProperty("state").GetString() == "succeeded"),
            timeout, $"{ids.Count} jobs to succeed", pollMilliseconds: 500);

    private static async Task<List<JsonElement>> JobsAsync(TestCluster cluster, HashSet<long> ids) =>
        [.. (await cluster.AllJobsAsync()).Where(j => ids.Contains(j.GetProperty("id").GetInt64()))];

    /// <summary>Per affinity key, how many of its jobs each node ran (from <c>jobs list --json</c>).</summary>
    private static async Task<Dictionary<string, Dictionary<string, int>>> NodesByKeyAsync(TestCluster cluster, HashSet<long> ids) =>
        (await JobsAsync(cluster, ids))
            .GroupBy(j => j.GetProperty("affinityKey").GetString()!)
            .ToDictionary(g => g.Key, g => g.GroupBy(j => j.GetProperty("node").GetString()!).ToDictionary(n => n.Key, n => n.Count()));

    /// <summary>For a key whose jobs ran on more than one node: how long those that left its main node had waited.</summary>
    private async Task ReportStraysAsync(TestCluster cluster, HashSet<long> ids, Dictionary<string, Dictionary<string, int>> byKey)
    {
        foreach (var job in await JobsAsync(cluster, ids))
        {
            var ran = byKey[job.GetProperty("affinityKey").GetString()!];
            var node = job.GetProperty("node").GetString()!;
            if (node == ran.MaxBy(n => n.Value).Key) continue;
            var waited = job.GetProperty("startedAt").GetDateTimeOffset() - job.GetProperty("createdAt").GetDateTimeOffset();
            output.WriteLine($"job {job.GetProperty("id").GetInt64()} of {job.GetProperty("affinityKey").GetString()} ran on {node} after {waited.TotalMilliseconds:F0} ms");
        }
    }

    private void Report(string what, Dictionary<string, Dictionary<string, int>> byKey) =>
        output.WriteLine($"{what}: " + string.Join("; ", byKey.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {Describe(k.Value)}")));

    private static string Describe(Dictionary<string, int> ran) => string.Join(",", ran.OrderBy(n => n.Key).Select(n => $"{n.Key}={n.Value}"));
}
