using System.Collections.Concurrent;
using Conveyor.Storage;
using Conveyor.Storage.Memory;
using Conveyor.Tests.Support;

namespace Conveyor.Tests.Engine;

/// <summary>
/// A node holds at most one job one lost lease short of the cap (a suspect of crashing nodes): a second one it claims goes
/// back unstarted and uncharged, so a poison job's last crash cannot bury a job that only shared its earlier crashes.
/// </summary>
public sealed class SuspectJobTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task ASecondSuspect_IsPutBackUncharged_UntilOneLeaseLater_WhileTheFirstRuns()
    {
        var store = new MemoryJobStore();
        var started = new ConcurrentQueue<long>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = TestNode.Create(b => b.AddJob("test.suspect", async (JobContext ctx) =>
        {
            started.Enqueue(ctx.Id);
            await gate.Task;
        }), w =>
        {
            w.Queue("default", 4);
            w.PrefetchHorizon = TimeSpan.Zero;
            w.LeaseDuration = Lease;
        }, store);
        var suspects = new[]
        {
            (await node.Client.EnqueueAsync(new JobRequest("test.suspect"))).Id,
            (await node.Client.EnqueueAsync(new JobRequest("test.suspect"))).Id,
        };
        var plain = (await node.Client.EnqueueAsync(new JobRequest("test.suspect"))).Id;
        // Two crashes of a node that held both suspects (and not the plain job): two lost leases each, one short of 3.
        await LoseTwoLeasesAsync(store, maxLostLeases: 3);

        await node.StartAsync();

        await Eventually.HoldsAsync(() => started.Count == 2, "the plain job and one suspect started");
        started.ShouldContain(plain);
        var first = started.Single(id => id != plain);
        var second = suspects.Single(id => id != first);
        await Eventually.HoldsAsync(async () => (await node.Client.GetAsync(second))?.State == JobState.Available, "the second suspect is back");
        var putBack = (await node.Client.GetAsync(second))!;
        putBack.Attempt.ShouldBe(2, "put back uncharged: its attempt given back");
        putBack.Node.ShouldBeNull();
        putBack.Errors.Count.ShouldBe(2, "no error added: it did not run");
        putBack.RunAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow, "due one lease later, not at once");
        putBack.RunAt.ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow + Lease);
        started.Count.ShouldBe(2, "the second suspect did not start while the first held the node");

        gate.SetResult();
        (await node.WaitAsync(first)).State.ShouldBe(JobState.Succeeded);
        var last = await node.WaitAsync(second);
        last.State.ShouldBe(JobState.Succeeded);
        last.Attempt.ShouldBe(3);
        (await node.WaitAsync(plain)).State.ShouldBe(JobState.Succeeded);
    }

    [Fact]
    public async Task JobsThatLostFewerLeases_AreNotSuspects_AndRunSideBySide()
    {
        var store = new MemoryJobStore();
        var running = 0;
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = TestNode.Create(b => b.AddJob("test.suspect", async () =>
        {
            if (Interlocked.Increment(ref running) == 2) both.TrySetResult();
            await both.Task;
        }), w =>
        {
            w.Queue("default", 4);
            w.MaxLostLeases = 5;
        }, store);
        var ids = new[]
        {
            (await node.Client.EnqueueAsync(new JobRequest("test.suspect"))).Id,
            (await node.Client.EnqueueAsync(new JobRequest("test.suspect"))).Id,
        };
        // Two lost leases each: suspects under the default cap of 3, not under a cap of 5.
        await LoseTwoLeasesAsync(store, maxLostLeases: 5);

        await node.StartAsync();

        await both.Task.WaitAsync(TimeSpan.FromSeconds(20));
        foreach (var id in ids) (await node.WaitAsync(id)).Attempt.ShouldBe(3);
    }

    /// <summary>The first two jobs of the default queue are claimed together by a node that then crashes, twice.</summary>
    private static async Task LoseTwoLeasesAsync(MemoryJobStore store, int maxLostLeases)
    {
        var at = DateTimeOffset.UtcNow;
        for (var round = 0; round < 2; round++)
        {
            var claimAt = at.AddSeconds(round * 10);
            (await store.ClaimAsync(new ClaimJobsParams("crashed", "default", ["test.suspect"], 2, claimAt, claimAt.AddSeconds(1)))).Count.ShouldBe(2);
            (await store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(claimAt.AddSeconds(2), MaxLostLeases: maxLostLeases))).Count.ShouldBe(2);
        }
    }
}
