using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary><c>enqueue --from FILE --batch-then KIND</c> and <c>batches show|cancel</c> on a real store, with a real worker.</summary>
public sealed class BatchCommandTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    private async Task<System.Text.Json.JsonElement> BatchAsync(long id) =>
        Workspace.Parse(await _workspace.OkAsync("batches", "show", id.ToString(), "--json"));

    [Fact]
    public async Task EnqueueBatchThen_PrintsTheBatchId_AndTheCallbackRunsOnceEveryChildIsFinal()
    {
        var children = _workspace.WriteFile("children.jsonl", "{\"ms\":10}\n{\"ms\":20}\n\n{\"ms\":30}\n");

        var printed = (await _workspace.OkAsync("enqueue", "conveyor.sleep", "--from", children, "--batch-then", "conveyor.echo",
            "--batch-then-args", """{"reduce":true}""")).Trim();

        var batchId = long.Parse(printed);
        var waiting = await BatchAsync(batchId);
        waiting.GetProperty("id").GetInt64().ShouldBe(batchId);
        waiting.GetProperty("total").GetInt32().ShouldBe(3);
        waiting.GetProperty("remaining").GetInt32().ShouldBe(3);
        waiting.GetProperty("complete").GetBoolean().ShouldBeFalse();
        waiting.GetProperty("counts").GetProperty("available").GetInt64().ShouldBe(3);
        var callback = waiting.GetProperty("callback");
        callback.GetProperty("kind").GetString().ShouldBe("conveyor.echo");
        callback.GetProperty("state").GetString().ShouldBe("waiting");
        var callbackId = callback.GetProperty("id").GetInt64();

        await _workspace.StartWorkerAsync("--concurrency", "4", "--poll-interval", "100ms");
        (await _workspace.RunAsync("jobs", "wait", callbackId.ToString(), "--timeout", "60s")).ExitCode.ShouldBe(0);

        var done = await BatchAsync(batchId);
        done.GetProperty("complete").GetBoolean().ShouldBeTrue();
        done.GetProperty("counts").GetProperty("succeeded").GetInt64().ShouldBe(3);
        done.GetProperty("callback").GetProperty("state").GetString().ShouldBe("succeeded");
        (await _workspace.JobAsync(callbackId)).GetProperty("result").GetRawText().ShouldBe("""{"reduce":true}""");
        var human = await _workspace.OkAsync("batches", "show", batchId.ToString());
        human.ShouldContain("3, all final");
        human.ShouldContain("succeeded 3");
        human.ShouldContain($"job {callbackId} conveyor.echo");
    }

    [Fact]
    public async Task BatchesCancel_CancelsTheUnfinishedChildren_AndTheCallbackIsReleased()
    {
        var children = _workspace.WriteFile("children.jsonl", "{}\n{}\n");
        var batchId = long.Parse((await _workspace.OkAsync("enqueue", "conveyor.noop", "--from", children, "--batch-then", "conveyor.noop")).Trim());

        var cancelled = Workspace.Parse(await _workspace.OkAsync("batches", "cancel", batchId.ToString(), "--json"));

        cancelled.GetProperty("counts").GetProperty("cancelled").GetInt64().ShouldBe(2);
        cancelled.GetProperty("cancelReason").GetString().ShouldBe("cancelled");
        cancelled.GetProperty("callback").GetProperty("state").GetString().ShouldBe("available");
        var again = await _workspace.RunAsync("batches", "cancel", batchId.ToString());
        again.ExitCode.ShouldBe(1, again.ToString());
        again.ErrorLines.ShouldBe([$"conveyor: batch {batchId} was cancelled already"]);
        var missing = await _workspace.RunAsync("batches", "show", "999");
        missing.ExitCode.ShouldBe(1, missing.ToString());
        missing.ErrorLines.ShouldBe(["conveyor: batch 999 not found"]);
    }

    [Fact]
    public async Task BatchDeadline_CancelsWhatIsStillRunning_ThenTheCallbackRuns()
    {
        var children = _workspace.WriteFile("children.jsonl", "{\"ms\":10}\n{\"ms\":600000}\n");
        await _workspace.StartWorkerAsync("--concurrency", "4", "--poll-interval", "100ms");
        var batchId = long.Parse((await _workspace.OkAsync("enqueue", "conveyor.sleep", "--from", children, "--batch-then", "conveyor.noop",
            "--batch-deadline", "5s")).Trim());
        var batchJson = await BatchAsync(batchId);
        var callbackId = batchJson.GetProperty("callback").GetProperty("id").GetInt64();
        batchJson.GetProperty("deadline").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow);

        (await _workspace.RunAsync("jobs", "wait", callbackId.ToString(), "--timeout", "60s")).ExitCode.ShouldBe(0);

        var batch = await BatchAsync(batchId);
        batch.GetProperty("cancelReason").GetString()!.ShouldStartWith("deadline ");
        batch.GetProperty("counts").GetProperty("succeeded").GetInt64().ShouldBe(1);
        batch.GetProperty("counts").GetProperty("cancelled").GetInt64().ShouldBe(1);
    }

    [Theory]
    [InlineData("--batch-then needs --from FILE", "enqueue", "conveyor.noop", "--batch-then", "conveyor.noop")]
    [InlineData("--batch-deadline needs --batch-then", "enqueue", "conveyor.noop", "--batch-deadline", "10m")]
    [InlineData("--batch-then-args needs --batch-then", "enqueue", "conveyor.noop", "--batch-then-args", "{}")]
    public async Task BatchOptions_WithoutWhatTheyNeed_AreBadUsage(string error, params string[] args)
    {
        var result = await _workspace.RunAsync(args);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain(error);
        File.Exists(_workspace.StorePath).ShouldBeFalse();
    }

    [Fact]
    public async Task BatchThenArgs_ThatAreNotJson_AreRefusedAndNothingIsStored()
    {
        var children = _workspace.WriteFile("children.jsonl", "{}\n");

        var result = await _workspace.RunAsync("enqueue", "conveyor.noop", "--from", children, "--batch-then", "conveyor.noop", "--batch-then-args", "nope");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("--batch-then-args: args are not valid JSON");
        (await _workspace.AllJobsAsync()).ShouldBeEmpty();
    }
}
