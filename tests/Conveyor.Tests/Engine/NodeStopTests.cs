using Conveyor.Storage;
using Conveyor.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Tests.Engine;

/// <summary>A node asked through the store to stop (<c>conveyor nodes stop</c>) drains: no new claims, and its host stops it.</summary>
public sealed class NodeStopTests
{
    private sealed class Lifetime : IHostApplicationLifetime
    {
        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => Stopped.TrySetResult();
    }

    [Fact]
    public async Task AStopRequest_SeenAtTheHeartbeat_StopsClaiming_AndAsksTheHostToStop_AndTheNodeShowsStopping()
    {
        var lifetime = new Lifetime();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = TestNode.Create(b => b.AddJob("test.hold", async () => { running.TrySetResult(); await finish.Task; }),
            w => w.Name = "steered", services: s => s.AddSingleton<IHostApplicationLifetime>(lifetime));
        await node.StartAsync();
        var first = await node.Client.EnqueueAsync(new JobRequest("test.hold"));
        await running.Task.WaitAsync(TimeSpan.FromSeconds(10));

        (await node.Monitor.StopNodeAsync("steered")).ShouldBeTrue();
        (await node.Monitor.ListNodesAsync()).Single().Node.StopRequested.ShouldBeTrue();
        await lifetime.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        node.Server.IsRunning.ShouldBeFalse();

        // Stopped claiming: a job enqueued now stays available; the running one finishes.
        var second = await node.Client.EnqueueAsync(new JobRequest("test.hold"));
        finish.SetResult();
        (await node.WaitAsync(first.Id)).State.ShouldBe(JobState.Succeeded);
        await node.StopAsync();
        (await node.Client.GetAsync(second.Id))!.State.ShouldBe(JobState.Available);
        (await node.Monitor.ListNodesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task StopNode_UnknownName_ReturnsFalse()
    {
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => Task.CompletedTask));
        await node.StartAsync();

        (await node.Monitor.StopNodeAsync("nobody")).ShouldBeFalse();
        node.Server.IsRunning.ShouldBeTrue();
    }

    [Fact]
    public async Task ANodeSilentForLongerThanItsLease_LeavesTheListAtOnce_AndTheLeaderForgetsIt()
    {
        await using var node = TestNode.Create(b => b.AddJob("test.noop", () => Task.CompletedTask), w => w.Name = "alive");
        await node.StartAsync();
        var now = DateTimeOffset.UtcNow;
        // A node killed 6 s ago: its lease (5 s) ran out a second ago.
        await node.Store.UpsertNodeAsync(new UpsertNodeParams(new NodeInfo
        {
            Name = "killed", Host = "h", Pid = 1, Version = "1", StartedAt = now.AddMinutes(-1), HeartbeatAt = now.AddSeconds(-6), LiveUntil = now.AddSeconds(-1),
        }));

        (await node.Monitor.ListNodesAsync()).Select(n => n.Node.Name).ShouldBe(["alive"]);
        await Eventually.HoldsAsync(async () => (await node.Store.ListNodesAsync(new ListNodesParams())).Count == 1, "the leader prunes the dead node's row");
    }
}
