using Conveyor.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Cluster.Tests;

/// <summary>
/// Steering nodes through the store, with real <c>conveyor worker</c> processes on PostgreSQL: <c>nodes stop NAME</c>
/// drains a node of another process, which exits 0 with nothing left running; a node killed with -9 leaves
/// <c>conveyor nodes</c> within its lease.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class NodeSteeringTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task NodesStop_DrainsTheNodeOfAnotherProcess_WhichExits0_WithNothingLeftRunning()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}");
        var steered = await cluster.StartWorkerAsync("steered", Timings, "--concurrency", "4");
        // Jobs of 15 s: the node is still draining them while the test looks at the list (a CLI call takes a second or two).
        var ids = await cluster.EnqueueManyAsync("conveyor.sleep", 12, """{"ms": 15000}""");
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("running") == 4,
            TimeSpan.FromSeconds(30), "the node to run 4 jobs", pollMilliseconds: 50);

        await cluster.OkAsync("nodes", "stop", "steered");
        var shown = (await cluster.NodesAsync()).Single();
        shown.GetProperty("stopping").GetBoolean().ShouldBeTrue("nodes --json shows the node stopping once asked");
        (await cluster.OkAsync("nodes")).ShouldContain("stopping");

        var unknown = await cluster.RunAsync("nodes", "stop", "nobody");
        unknown.ExitCode.ShouldBe(1, unknown.ToString());
        unknown.ErrorLines.ShouldBe(["conveyor: no live node is named 'nobody' (see conveyor nodes)"]);

        var exit = await steered.WaitForExitAsync(TimeSpan.FromSeconds(45));
        exit.ShouldBe(0, steered.Output);
        steered.Output.ShouldContain("was asked to stop");
        var counts = await cluster.CountsAsync();
        output.WriteLine("after the node left: " + string.Join(", ", counts.Where(c => c.Value > 0).Select(c => $"{c.Key}={c.Value}")));
        counts.GetValueOrDefault("running").ShouldBe(0, "the node finished or returned every job it held");
        (counts.GetValueOrDefault("succeeded") + counts.GetValueOrDefault("available")).ShouldBe(ids.Count);
        counts.GetValueOrDefault("succeeded").ShouldBeGreaterThanOrEqualTo(4, "the running jobs finished within the drain");
        (await cluster.NodesAsync()).ShouldBeEmpty();

        // What it left goes on elsewhere, uncharged.
        await cluster.StartWorkerAsync("successor", Timings, "--concurrency", "8");
        await TestCluster.UntilAsync(async () => (await cluster.CountsAsync()).GetValueOrDefault("succeeded") == ids.Count,
            TimeSpan.FromSeconds(60), "every job to succeed");
        (await cluster.AllJobsAsync()).ShouldAllBe(j => j.GetProperty("attempt").GetInt32() == 1);
    }

    [Fact]
    public async Task ANodeKilledWithMinus9_LeavesTheNodeList_WithinItsLease()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        output.WriteLine($"timings: {Timings}");
        var doomed = await cluster.StartWorkerAsync("doomed", Timings);
        await cluster.StartWorkerAsync("survivor", Timings);
        await TestCluster.UntilAsync(async () => (await cluster.NodesAsync()).Count == 2, TimeSpan.FromSeconds(30), "both nodes listed");

        // Timed through the store in-process (the same live list `conveyor nodes` prints): a CLI call per look takes a
        // second on a busy machine.
        await using var store = new Postgres.PostgresJobStore(cluster.Store);
        doomed.Kill();
        var took = await TestCluster.UntilAsync(
            async () => (await store.ListNodesAsync(new Storage.ListNodesParams(LiveAt: DateTimeOffset.UtcNow))).All(n => n.Name != "doomed"),
            Timings.Lease + TimeSpan.FromSeconds(10), "the killed node to leave the list", pollMilliseconds: 50);

        output.WriteLine($"the killed node left the list {took.TotalSeconds:F1}s after kill -9 (lease {Timings.Lease.TotalSeconds}s)");
        took.ShouldBeLessThanOrEqualTo(Timings.Lease + TimeSpan.FromMilliseconds(500), "within its lease");
        (await cluster.NodesAsync()).Single().GetProperty("name").GetString().ShouldBe("survivor");
        // The leader forgets its row on the same horizon.
        await TestCluster.UntilAsync(async () => (await store.ListNodesAsync(new Storage.ListNodesParams())).Count == 1,
            TimeSpan.FromSeconds(5), "the leader to forget the killed node's row", pollMilliseconds: 100);
    }
}
