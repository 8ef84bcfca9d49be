using System.Text.Json;
using Conveyor.Storage;
using Conveyor.Tests.Support;
using Conveyor.Validation;

namespace Conveyor.Tests.Engine;

/// <summary>Pipelines (a job reads its parent's result) and batches (a callback reads its children) through real handlers.</summary>
public sealed class WorkflowTests
{
    private sealed record Summary(int Sum, long Succeeded, long Dead, long Cancelled, int Seen);

    [Fact]
    public async Task Pipeline_AJobEnqueuedAfterAnotherReadsItsResult()
    {
        await using var node = TestNode.Create(b => b
            .AddJob("step.one", (JobContext ctx) => new { value = 21 })
            .AddJob("step.two", async (JobContext ctx, CancellationToken ct) =>
            {
                var raw = await ctx.GetParentResultJsonAsync(ct);
                var typed = await ctx.GetParentResultAsync<JsonElement>(ct);
                return new { doubled = typed.GetProperty("value").GetInt32() * 2, raw };
            }));
        await node.StartAsync();

        var first = (await node.Client.EnqueueAsync(new JobRequest("step.one"))).Id;
        var second = (await node.Client.EnqueueAsync(new JobRequest("step.two", "{}", new JobOptions { After = first }))).Id;
        var job = await node.WaitAsync(second);

        job.State.ShouldBe(JobState.Succeeded);
        using var result = JsonDocument.Parse(job.ResultJson!);
        result.RootElement.GetProperty("doubled").GetInt32().ShouldBe(42);
        JsonDocument.Parse(result.RootElement.GetProperty("raw").GetString()!).RootElement.GetProperty("value").GetInt32().ShouldBe(21);
    }

    [Fact]
    public async Task Pipeline_AJobWithoutAParent_IsToldSoWhenItAsksForTheResult()
    {
        await using var node = TestNode.Create(b => b.AddJob("orphan", (JobContext ctx, CancellationToken ct) => ctx.GetParentResultJsonAsync(ct)));
        await node.StartAsync();

        var id = (await node.Client.EnqueueAsync(new JobRequest("orphan", "{}", new JobOptions { MaxAttempts = 1 }))).Id;
        var job = await node.WaitAsync(id);

        job.State.ShouldBe(JobState.Dead);
        job.Errors.Single().Message.ShouldContain("was not enqueued with after");
    }

    [Fact]
    public async Task Batch_TheCallbackRunsOnceAfterEveryChild_AndStreamsTheirStatesAndResults()
    {
        var callbackRuns = 0;
        await using var node = TestNode.Create(b => b
            .AddJob("map", (JobContext ctx) =>
            {
                var n = JsonDocument.Parse(ctx.ArgsJson).RootElement.GetProperty("n").GetInt32();
                if (n % 10 == 0) throw new PermanentJobFailureException($"child {n} fails on purpose");
                return n;
            })
            .AddJob("reduce", async (JobContext ctx, CancellationToken ct) =>
            {
                Interlocked.Increment(ref callbackRuns);
                var batch = await ctx.GetBatchAsync(ct) ?? throw new InvalidOperationException("no batch");
                var sum = 0;
                var seen = 0;
                await foreach (var child in ctx.ReadBatchChildrenAsync(pageSize: 7, ct))
                {
                    seen++;
                    child.State.IsFinal().ShouldBeTrue();
                    if (child.State == JobState.Succeeded) sum += JsonSerializer.Deserialize<int>(child.ResultJson!);
                }
                return new Summary(sum, batch.Counts[JobState.Succeeded], batch.Counts[JobState.Dead], batch.Counts[JobState.Cancelled], seen);
            }), w => w.Queue("default", 8));
        await node.StartAsync();

        var children = Enumerable.Range(1, 250).Select(n => new JobRequest("map", $"{{\"n\":{n}}}")).ToArray();
        var batch = await node.Client.EnqueueBatchAsync(children, new JobRequest("reduce"));
        var callback = await node.WaitAsync(batch.CallbackJobId);

        callback.State.ShouldBe(JobState.Succeeded);
        var summary = JsonSerializer.Deserialize<Summary>(callback.ResultJson!, Serialization.ConveyorJson.Options)!;
        summary.ShouldBe(new Summary(Enumerable.Range(1, 250).Where(n => n % 10 != 0).Sum(), 225, 25, 0, 250));
        callbackRuns.ShouldBe(1);
        var info = await node.Client.GetBatchAsync(batch.BatchId);
        info!.Complete.ShouldBeTrue();
        info.CallbackState.ShouldBe(JobState.Succeeded);
    }

    [Fact]
    public async Task Batch_PastItsDeadline_HasItsUnfinishedChildrenCancelled_AndTheCallbackSeesThem()
    {
        await using var node = TestNode.Create(b => b
            .AddJob("quick", (JobContext ctx) => "done")
            .AddJob("slow", async (CancellationToken ct) => await Task.Delay(TimeSpan.FromMinutes(5), ct))
            .AddJob("after.deadline", async (JobContext ctx, CancellationToken ct) => (await ctx.GetBatchAsync(ct))!.Counts[JobState.Cancelled]),
            w => w.Queue("default", 4));
        await node.StartAsync();

        var batch = await node.Client.EnqueueBatchAsync(
            [new JobRequest("quick"), new JobRequest("slow"), new JobRequest("slow")], new JobRequest("after.deadline"),
            new BatchOptions { Deadline = DateTimeOffset.UtcNow.AddSeconds(2) });
        await Eventually.HoldsAsync(async () => (await node.Client.GetAsync(batch.ChildIds[0]))!.State == JobState.Succeeded, "the quick child succeeds");
        (await node.Client.GetAsync(batch.CallbackJobId))!.State.ShouldBe(JobState.Waiting);
        var callback = await node.WaitAsync(batch.CallbackJobId);

        callback.State.ShouldBe(JobState.Succeeded);
        callback.ResultJson.ShouldBe("2");
        var info = await node.Client.GetBatchAsync(batch.BatchId);
        info!.CancelReason!.ShouldStartWith("deadline ");
        info.Counts[JobState.Succeeded].ShouldBe(1);
    }

    [Fact]
    public async Task Batch_CancelledAsAWhole_RunsItsCallbackOnce()
    {
        var callbackRuns = 0;
        await using var node = TestNode.Create(b => b
            .AddJob("slow", async (CancellationToken ct) => await Task.Delay(TimeSpan.FromMinutes(5), ct))
            .AddJob("then", (JobContext ctx) => Interlocked.Increment(ref callbackRuns)));
        await node.StartAsync();
        var batch = await node.Client.EnqueueBatchAsync([new JobRequest("slow"), new JobRequest("slow")], new JobRequest("then"));
        await Eventually.HoldsAsync(async () => (await node.Client.GetBatchAsync(batch.BatchId))!.Counts[JobState.Running] == 2, "both children run");

        var cancelled = await node.Client.CancelBatchAsync(batch.BatchId);

        cancelled.Status.ShouldBe(JobChangeStatus.Done);
        (await node.WaitAsync(batch.CallbackJobId)).State.ShouldBe(JobState.Succeeded);
        callbackRuns.ShouldBe(1);
        (await node.Client.CancelBatchAsync(batch.BatchId)).Status.ShouldBe(JobChangeStatus.NotAllowed);
    }

    [Fact]
    public async Task Batch_BadInputIsRefused_AndNothingIsStored()
    {
        await using var node = TestNode.Create(b => b.AddJob("x", (JobContext ctx) => 1));
        var client = node.Client;

        (await Should.ThrowAsync<JobValidationException>(() => client.EnqueueBatchAsync([], new JobRequest("x")))).Field.ShouldBe("children");
        (await Should.ThrowAsync<JobValidationException>(() => client.EnqueueBatchAsync(
            [new JobRequest("x"), new JobRequest("x", "{}", new JobOptions { UniqueKey = "k" })], new JobRequest("x")))).Field.ShouldBe("children[1].uniqueKey");
        (await Should.ThrowAsync<JobValidationException>(() => client.EnqueueBatchAsync(
            [new JobRequest("x", "not json")], new JobRequest("x")))).Field.ShouldBe("children[0].args");
        (await Should.ThrowAsync<JobValidationException>(() => client.EnqueueBatchAsync(
            [new JobRequest("x")], new JobRequest("x", "{}", new JobOptions { After = 1 })))).Field.ShouldBe("then.after");
        (await Should.ThrowAsync<JobValidationException>(() => client.EnqueueBatchAsync(
            [new JobRequest("x")], new JobRequest("bad kind!")))).Field.ShouldBe("then.kind");
        (await Should.ThrowAsync<JobValidationException>(() => client.EnqueueBatchAsync(
            [new JobRequest("x")], new JobRequest("x"), new BatchOptions { Deadline = DateTimeOffset.UtcNow.AddSeconds(-1) }))).Field.ShouldBe("deadline");

        (await client.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();
    }
}
