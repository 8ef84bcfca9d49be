using Conveyor.Storage.Memory;
using Conveyor.Tests.Support;

namespace Conveyor.Tests.Engine;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Stop_LetsRunningJobsFinishWithinTheShutdownTimeout()
    {
        var started = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = TestNode.Create(
            b => b.AddJob("test.work", async () => { Interlocked.Increment(ref started); await release.Task; }),
            w => { w.Queue("default", 5); w.ShutdownTimeout = TimeSpan.FromSeconds(10); });
        var results = await node.Client.EnqueueManyAsync(Enumerable.Range(0, 5).Select(_ => new JobRequest("test.work")).ToList());
        await node.StartAsync();
        await Eventually.HoldsAsync(() => Volatile.Read(ref started) == 5, "5 jobs started");

        // The jobs are still running when the stop begins; they finish while it waits for them.
        var stopping = node.StopAsync();
        await Eventually.HoldsAsync(() => !node.Server.IsRunning, "the node is stopping");
        stopping.IsCompleted.ShouldBeFalse("the stop waits for the running jobs");
        release.SetResult();
        await stopping;

        foreach (var r in results) (await node.Client.GetAsync(r.Id))!.State.ShouldBe(JobState.Succeeded);
    }

    [Fact]
    public async Task Stop_ReturnsUnfinishedJobsToAvailable_WithoutChargingAnAttempt()
    {
        var started = 0;
        await using var node = TestNode.Create(
            b => b.AddJob("test.forever", async (CancellationToken ct) => { Interlocked.Increment(ref started); await Task.Delay(Timeout.Infinite, ct); }),
            w => { w.Queue("default", 10); w.ShutdownTimeout = TimeSpan.FromMilliseconds(200); });
        var results = await node.Client.EnqueueManyAsync(Enumerable.Range(0, 25).Select(_ => new JobRequest("test.forever")).ToList());
        await node.StartAsync();
        await Eventually.HoldsAsync(() => Volatile.Read(ref started) == 10, "10 jobs started");

        await node.StopAsync();

        foreach (var r in results)
        {
            var job = (await node.Client.GetAsync(r.Id))!;
            job.State.ShouldBe(JobState.Available);
            job.Attempt.ShouldBe(0);
            job.Errors.ShouldBeEmpty();
            job.Node.ShouldBeNull();
        }
    }

    [Fact]
    public async Task Stop_ReleasesJobsWhoseHandlersIgnoreCancellation()
    {
        var started = new TaskCompletionSource();
        var never = new TaskCompletionSource();
        await using var node = TestNode.Create(
            b => b.AddJob("test.deaf", () => { started.TrySetResult(); return never.Task; }),
            w => { w.ShutdownTimeout = TimeSpan.FromMilliseconds(100); w.CancelGrace = TimeSpan.FromMilliseconds(100); });
        var id = (await node.Client.EnqueueAsync(new JobRequest("test.deaf"))).Id;
        await node.StartAsync();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await node.StopAsync();

        var job = (await node.Client.GetAsync(id))!;
        job.State.ShouldBe(JobState.Available);
        job.Attempt.ShouldBe(0);
        node.Server.AbandonedHandlerCount.ShouldBe(1);
        never.SetResult();
    }

    [Fact]
    public async Task AfterStop_NoTaskOfTheNodeIsStillRunning()
    {
        await using var node = TestNode.Create(
            b => b.AddJob("test.sleepy", async (CancellationToken ct) => await Task.Delay(50, ct)),
            w => w.Queue("default", 4).Queue("other", 2));
        await node.Client.EnqueueManyAsync(Enumerable.Range(0, 50).Select(i => new JobRequest("test.sleepy", "{}", new JobOptions { Queue = i % 3 == 0 ? "other" : "default" })).ToList());
        await node.StartAsync();
        var tasks = node.Server.BackgroundTasks;
        // Per queue: claim loop, "workers done", each worker; then heartbeat, chores, completer, watchdog.
        tasks.Count.ShouldBe((1 + 1 + 4) + (1 + 1 + 2) + 2 + 1 + 1);
        tasks.ShouldContain(t => !t.IsCompleted);

        await node.StopAsync();

        tasks.ShouldAllBe(t => t.IsCompleted);
        tasks.ShouldAllBe(t => t.Status == TaskStatus.RanToCompletion);
        (await node.Monitor.ListNodesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task SecondStop_IsHarmless_AndRestartNeedsANewServer()
    {
        await using var node = TestNode.Create(b => b.AddJob("test.x", () => { }));
        await node.StartAsync();
        await node.StopAsync();
        await node.StopAsync();
        await Should.ThrowAsync<InvalidOperationException>(() => node.StartAsync());
    }

    [Fact]
    public async Task Start_WithoutHandlers_FailsWithAClearMessage()
    {
        await using var node = TestNode.Create(_ => { });
        var error = await Should.ThrowAsync<InvalidOperationException>(() => node.StartAsync());
        error.Message.ShouldContain("no handlers");
    }

    [Fact]
    public async Task RunningNode_IsRegistered_AndLeadsAlone()
    {
        await using var node = TestNode.Create(b => b.AddJob("test.x", () => { }), w => w.Queue("default", 3).Name = "node-a");
        await node.StartAsync();

        await Eventually.HoldsAsync(() => node.Server.IsLeader, "the only node leads");
        var nodes = await node.Monitor.ListNodesAsync();
        var status = nodes.Single();
        status.Node.Name.ShouldBe("node-a");
        status.Leader.ShouldBeTrue();
        status.Node.Kinds.ShouldBe(["test.x"]);
        status.Node.Queues["default"].Slots.ShouldBe(3);
        status.Node.Pid.ShouldBe(Environment.ProcessId);
    }

    [Fact]
    public async Task QueueStatuses_AddUpTheSlotsOfLiveNodes_AndListQueuesTheyServeBeforeAnyJob()
    {
        var store = new MemoryJobStore();
        await using var a = TestNode.Create(b => b.AddJob("test.x", () => { }), w => { w.Name = "a"; w.Queue("default", 3).Queue("smtp", 2); }, store);
        await using var b = TestNode.Create(b => b.AddJob("test.x", () => { }), w => { w.Name = "b"; w.Queue("default", 5); }, store);
        await a.StartAsync();
        await b.StartAsync();
        await a.Client.EnqueueAsync(new JobRequest("test.x", Options: new JobOptions { Queue = "reports" }));

        var queues = await a.Monitor.ListQueueStatusesAsync();

        queues.Select(q => q.Queue.Name).ShouldBe(["default", "reports", "smtp"]);
        queues[0].ShouldBe(new QueueStatus(queues[0].Queue, Slots: 8, Busy: 0, Nodes: 2));
        queues[1].ShouldBe(new QueueStatus(queues[1].Queue, Slots: 0, Busy: 0, Nodes: 0));
        queues[2].ShouldBe(new QueueStatus(queues[2].Queue, Slots: 2, Busy: 0, Nodes: 1));
        queues[1].Queue.Counts[JobState.Available].ShouldBe(1);
        queues[2].Queue.Counts.Values.ShouldAllBe(n => n == 0);
        queues[2].Queue.Counts.Count.ShouldBe(JobStates.All.Count);

        await b.StopAsync();
        (await a.Monitor.ListQueueStatusesAsync())[0].Slots.ShouldBe(3);
    }

    [Fact]
    public async Task Start_UnderTheNameOfALiveNode_FailsWithAClearMessage_AndChangesNothing()
    {
        var store = new MemoryJobStore();
        await using var first = TestNode.Create(b => b.AddJob("test.x", () => { }), w => w.Name = "dup", store);
        await using var second = TestNode.Create(b => b.AddJob("test.x", () => { }), w => w.Name = "dup", store);
        await first.StartAsync();

        var error = await Should.ThrowAsync<InvalidOperationException>(() => second.StartAsync());

        error.Message.ShouldContain("a live node is already named 'dup'");
        error.Message.ShouldContain($"pid {Environment.ProcessId}");
        var nodes = await first.Monitor.ListNodesAsync();
        nodes.Single().Node.Name.ShouldBe("dup");
    }

    [Fact]
    public async Task Start_UnderTheNameOfACrashedNodeOfThisMachine_Succeeds()
    {
        // A restart under a fixed name after a crash: the old row is fresh but its process is gone.
        using var ended = System.Diagnostics.Process.Start("true")!;
        await ended.WaitForExitAsync();
        var store = new MemoryJobStore();
        var now = DateTimeOffset.UtcNow;
        await store.UpsertNodeAsync(new Conveyor.Storage.UpsertNodeParams(new Conveyor.Storage.NodeInfo
        {
            Name = "restarted", Host = Environment.MachineName, Pid = ended.Id, Version = "0", StartedAt = now, HeartbeatAt = now,
        }));
        await using var node = TestNode.Create(b => b.AddJob("test.x", () => { }), w => w.Name = "restarted", store);

        await node.StartAsync();

        (await node.Monitor.ListNodesAsync()).Single().Node.Pid.ShouldBe(Environment.ProcessId);
    }

    [Fact]
    public async Task Start_UnderTheNameOfAKilledNodeNotYetReaped_Succeeds()
    {
        // kill -9, then a restart at once: the old process is a zombie until its parent reaps it, and holds no name.
        // (The parent execs a program that never reaps, so the zombie stays for the test.)
        var psi = new System.Diagnostics.ProcessStartInfo("sh", ["-c", "sleep 30 & echo $!; exec sleep 60"]) { RedirectStandardOutput = true };
        using var parent = System.Diagnostics.Process.Start(psi)!;
        try
        {
            var child = int.Parse((await parent.StandardOutput.ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);
            using (var doomed = System.Diagnostics.Process.GetProcessById(child)) doomed.Kill();
            await Eventually.HoldsAsync(() => File.ReadAllText($"/proc/{child}/stat").Split(") ")[1].StartsWith('Z'), "the killed child is a zombie");
            var store = new MemoryJobStore();
            var now = DateTimeOffset.UtcNow;
            await store.UpsertNodeAsync(new Conveyor.Storage.UpsertNodeParams(new Conveyor.Storage.NodeInfo
            {
                Name = "killed", Host = Environment.MachineName, Pid = child, Version = "0", StartedAt = now, HeartbeatAt = now,
            }));
            await using var node = TestNode.Create(b => b.AddJob("test.x", () => { }), w => w.Name = "killed", store);

            await node.StartAsync();

            (await node.Monitor.ListNodesAsync()).Single().Node.Pid.ShouldBe(Environment.ProcessId);
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task TwoNodesOnOneStore_OneLeads_AndTheOtherTakesOverWhenItStops()
    {
        var store = new MemoryJobStore();
        await using var a = TestNode.Create(b => b.AddJob("test.x", () => { }), w => w.Name = "a", store);
        await using var b = TestNode.Create(b => b.AddJob("test.x", () => { }), w => w.Name = "b", store);
        await a.StartAsync();
        await Eventually.HoldsAsync(() => a.Server.IsLeader, "a leads");
        await b.StartAsync();
        await b.Server.MaintainNowAsync();
        b.Server.IsLeader.ShouldBeFalse();

        await a.StopAsync();

        await Eventually.HoldsAsync(() => b.Server.IsLeader, "b leads after a stopped");
        (await b.Monitor.ListNodesAsync()).Single().Leader.ShouldBeTrue();
    }
}
