using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Tests.Support;

namespace Conveyor.Tests.Client;

public sealed class JobClientTests
{
    private static TestNode Node() => TestNode.Create(b => b.AddJob("x", () => { }));

    [Fact]
    public async Task TypedEnqueue_StoresTheKindAndCamelCaseArgs()
    {
        await using var node = Node();
        var id = await node.Client.EnqueueAsync(new Greet("Ada"), new JobOptions { Queue = "mail", Priority = 3, MaxAttempts = 4 });

        var job = (await node.Client.GetAsync(id))!;
        job.Kind.ShouldBe("test.greet");
        job.Queue.ShouldBe("mail");
        job.Priority.ShouldBe(3);
        job.MaxAttempts.ShouldBe(4);
        job.State.ShouldBe(JobState.Available);
        JsonDocument.Parse(job.ArgsJson).RootElement.GetProperty("name").GetString().ShouldBe("Ada");
    }

    [Fact]
    public async Task Defaults_AreTheDefaultQueueAndTenAttempts()
    {
        await using var node = Node();
        var job = (await node.Client.GetAsync((await node.Client.EnqueueAsync(new JobRequest("x"))).Id))!;
        job.Queue.ShouldBe("default");
        job.MaxAttempts.ShouldBe(10);
        job.Attempt.ShouldBe(0);
        job.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task DelayedAndScheduledJobs_StartScheduled()
    {
        await using var node = Node();
        var at = DateTimeOffset.UtcNow.AddHours(1);
        var delayed = (await node.Client.GetAsync((await node.Client.EnqueueAsync(new JobRequest("x", "{}", new JobOptions { Delay = TimeSpan.FromMinutes(5) }))).Id))!;
        var scheduled = (await node.Client.GetAsync((await node.Client.EnqueueAsync(new JobRequest("x", "{}", new JobOptions { RunAt = at }))).Id))!;

        delayed.State.ShouldBe(JobState.Scheduled);
        (delayed.RunAt - delayed.CreatedAt).ShouldBe(TimeSpan.FromMinutes(5));
        scheduled.State.ShouldBe(JobState.Scheduled);
        (scheduled.RunAt - at).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task UniqueKey_ReturnsTheExistingJob()
    {
        await using var node = Node();
        var first = await node.Client.EnqueueAsync(new JobRequest("x", "{}", new JobOptions { UniqueKey = "report:7" }));
        var second = await node.Client.EnqueueAsync(new JobRequest("x", "{\"other\": 1}", new JobOptions { UniqueKey = "report:7" }));

        first.Existing.ShouldBeFalse();
        second.Existing.ShouldBeTrue();
        second.Id.ShouldBe(first.Id);
    }

    [Fact]
    public async Task EnqueueMany_ReturnsIdsInOrder_InOneStoreCall()
    {
        var (store, recorder) = RecordingStore.Wrap(new Conveyor.Storage.Memory.MemoryJobStore());
        await using var node = TestNode.Create(b => b.AddJob("x", () => { }), store: store);
        var results = await node.Client.EnqueueManyAsync(Enumerable.Range(0, 100).Select(i => new JobRequest("x", $$"""{"i": {{i}}}""")).ToList());

        results.Count.ShouldBe(100);
        results.Select(r => r.Id).ShouldBeInOrder(SortDirection.Ascending);
        recorder.Calls.Count(c => c.Method == nameof(Conveyor.Storage.IJobStore.InsertManyAsync)).ShouldBe(1);
    }

    [Fact]
    public async Task After_WaitsForTheParentToSucceed()
    {
        var parentGate = new TaskCompletionSource();
        await using var node = TestNode.Create(b => b.AddJob("parent", () => parentGate.Task).AddJob("child", () => { }));
        var parent = (await node.Client.EnqueueAsync(new JobRequest("parent"))).Id;
        var child = (await node.Client.EnqueueAsync(new JobRequest("child", "{}", new JobOptions { After = parent }))).Id;
        (await node.Client.GetAsync(child))!.State.ShouldBe(JobState.Waiting);
        await node.StartAsync();

        parentGate.SetResult();
        (await node.WaitAsync(child)).State.ShouldBe(JobState.Succeeded);
        var p = (await node.Client.GetAsync(parent))!;
        var c = (await node.Client.GetAsync(child))!;
        c.StartedAt!.Value.ShouldBeGreaterThanOrEqualTo(p.FinishedAt!.Value);
    }

    [Fact]
    public async Task CancelRetryDelete_AnswerWithTheJobOrWhyNot()
    {
        await using var node = Node();
        var id = (await node.Client.EnqueueAsync(new JobRequest("x"))).Id;

        var cancelled = await node.Client.CancelAsync(id);
        cancelled.Status.ShouldBe(Conveyor.Storage.JobChangeStatus.Done);
        cancelled.Job!.State.ShouldBe(JobState.Cancelled);
        (await node.Client.CancelAsync(id)).Status.ShouldBe(Conveyor.Storage.JobChangeStatus.NotAllowed);

        var retried = await node.Client.RetryAsync(id);
        retried.Status.ShouldBe(Conveyor.Storage.JobChangeStatus.Done);
        retried.Job!.State.ShouldBe(JobState.Available);

        (await node.Client.DeleteAsync(id)).Status.ShouldBe(Conveyor.Storage.JobChangeStatus.Done);
        (await node.Client.GetAsync(id)).ShouldBeNull();
        (await node.Client.DeleteAsync(id)).Status.ShouldBe(Conveyor.Storage.JobChangeStatus.NotFound);
    }

    [Fact]
    public async Task Wait_ThrowsForAnUnknownJob_AndHonoursItsToken()
    {
        await using var node = Node();
        await Should.ThrowAsync<Conveyor.Storage.JobNotFoundException>(() => node.Client.WaitAsync(999));
        var id = (await node.Client.EnqueueAsync(new JobRequest("x"))).Id;
        using var cts = new CancellationTokenSource();
        var waiting = node.Client.WaitAsync(id, cts.Token);
        waiting.IsCompleted.ShouldBeFalse("the job has not finished");
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task JobJson_HasTheContractsShape()
    {
        await using var node = Node();
        var id = (await node.Client.EnqueueAsync(new JobRequest("x", """{"to": "a@example.com"}""", new JobOptions { OrderingKey = "k" }))).Id;
        var job = (await node.Client.GetAsync(id))!;

        var json = JsonSerializer.Serialize(job, ConveyorJson.Options);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        foreach (var name in new[] { "id", "kind", "queue", "state", "args", "priority", "attempt", "maxAttempts", "runAt", "createdAt",
                     "startedAt", "finishedAt", "orderingKey", "uniqueKey", "affinityKey", "batchId", "node", "progress", "result", "errors" })
            root.TryGetProperty(name, out _).ShouldBeTrue($"job JSON lacks '{name}'");
        root.GetProperty("state").GetString().ShouldBe("available");
        root.GetProperty("args").GetProperty("to").GetString().ShouldBe("a@example.com");
        root.GetProperty("createdAt").GetString()!.ShouldEndWith("Z");
        root.GetProperty("orderingKey").GetString().ShouldBe("k");

        var back = JsonSerializer.Deserialize<JobInfo>(json, ConveyorJson.Options)!;
        back.Id.ShouldBe(job.Id);
        back.State.ShouldBe(job.State);
        JsonDocument.Parse(back.ArgsJson).RootElement.GetProperty("to").GetString().ShouldBe("a@example.com");
        back.OrderingKey.ShouldBe("k");
    }
}
