using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary>A real <c>conveyor worker</c> process: built-in kinds, jobs wait, paused queues, nodes, config file, SIGTERM.</summary>
public sealed class WorkerTests : IAsyncLifetime
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    [Fact]
    public async Task BuiltInKinds_RunOnAWorker_AndJobsWaitReportsTheOutcome()
    {
        var worker = await _workspace.StartWorkerAsync("--concurrency", "4", "--poll-interval", "100ms", "--name", "cli-test-node");

        var echo = await _workspace.EnqueueAsync("conveyor.echo", "--args", """{"hello":"world"}""");
        var wait = await _workspace.RunAsync("jobs", "wait", echo.ToString(), "--json");
        wait.ExitCode.ShouldBe(0, wait.ToString());
        var done = Workspace.Parse(wait.Stdout);
        done.GetProperty("state").GetString().ShouldBe("succeeded");
        done.GetProperty("result").GetRawText().ShouldBe("""{"hello":"world"}""");
        done.GetProperty("node").GetString().ShouldBe("cli-test-node");

        var sleep = await _workspace.EnqueueAsync("conveyor.sleep", "--args", """{"ms":200}""");
        (await _workspace.OkAsync("jobs", "wait", sleep.ToString())).Trim().ShouldBe($"job {sleep} succeeded");

        var noop = await _workspace.EnqueueAsync("conveyor.noop");
        (await _workspace.RunAsync("jobs", "wait", noop.ToString())).ExitCode.ShouldBe(0);

        var fail = await _workspace.EnqueueAsync("conveyor.fail", "--args", """{"message":"boom","permanent":true}""");
        var failed = await _workspace.RunAsync("jobs", "wait", fail.ToString());
        failed.ExitCode.ShouldBe(1, failed.ToString());
        failed.ErrorLines.ShouldBe([$"conveyor: job {fail} ended dead: boom"]);
        var dead = await _workspace.JobAsync(fail);
        dead.GetProperty("errors")[0].GetProperty("type").GetString().ShouldBe("Conveyor.PermanentJobFailureException");

        var retrying = await _workspace.EnqueueAsync("conveyor.fail", "--max-attempts", "2");
        var twice = await _workspace.RunAsync("jobs", "wait", retrying.ToString(), "--timeout", "30s");
        twice.ExitCode.ShouldBe(1, twice.ToString());
        (await _workspace.JobAsync(retrying)).GetProperty("errors").GetArrayLength().ShouldBe(2);

        var nodes = Workspace.Parse(await _workspace.OkAsync("nodes", "--json")).GetProperty("nodes");
        nodes.GetArrayLength().ShouldBe(1);
        nodes[0].GetProperty("name").GetString().ShouldBe("cli-test-node");
        nodes[0].GetProperty("pid").GetInt32().ShouldBe(worker.Pid);
        nodes[0].GetProperty("kinds").EnumerateArray().Select(k => k.GetString())
            .ShouldBe(["conveyor.echo", "conveyor.fail", "conveyor.hang", "conveyor.noop", "conveyor.sleep"], ignoreOrder: true);
        nodes[0].GetProperty("queues").GetProperty("default").GetProperty("slots").GetInt32().ShouldBe(4);
        await Workspace.UntilAsync(async () => (await _workspace.OkAsync("nodes")).Contains("* leader"), TimeSpan.FromSeconds(30), "the node to lead");

        worker.Terminate();
        (await worker.WaitForExitAsync(ExitTimeout)).ShouldBe(0, worker.Output);
        (await _workspace.OkAsync("nodes", "--json")).ShouldContain("\"nodes\":[]");
    }

    [Fact]
    public async Task PausedQueue_IsNotClaimed_UntilResumed_AndWaitTimesOut()
    {
        await _workspace.StartWorkerAsync("--queues", "held=2", "--poll-interval", "100ms");
        await _workspace.OkAsync("queues", "pause", "held");
        var id = await _workspace.EnqueueAsync("conveyor.noop", "--queue", "held");

        var wait = await _workspace.RunAsync("jobs", "wait", id.ToString(), "--timeout", "1500ms");
        wait.ExitCode.ShouldBe(1, wait.ToString());
        wait.ErrorLines.ShouldBe([$"conveyor: job {id} is still available after 1.5s"]);

        await _workspace.OkAsync("queues", "resume", "held");
        (await _workspace.RunAsync("jobs", "wait", id.ToString(), "--timeout", "30s")).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task ConfigFile_NamesTheQueues()
    {
        var config = _workspace.WriteFile("conveyor.json", """{ "queues": { "mail": 3, "reports": { "concurrency": 1 } } }""");
        await _workspace.StartWorkerAsync("--config", config, "--poll-interval", "100ms");

        var node = Workspace.Parse(await _workspace.OkAsync("nodes", "--json")).GetProperty("nodes")[0].GetProperty("queues");
        node.GetProperty("mail").GetProperty("slots").GetInt32().ShouldBe(3);
        node.GetProperty("reports").GetProperty("slots").GetInt32().ShouldBe(1);
        var id = await _workspace.EnqueueAsync("conveyor.noop", "--queue", "reports");
        (await _workspace.RunAsync("jobs", "wait", id.ToString())).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task ConfigFile_Limits_AreSetInTheStoreWhenTheNodeStarts()
    {
        var config = _workspace.WriteFile("conveyor.json",
            """{ "queues": { "smtp": { "concurrency": 2, "globalLimit": 4, "rateLimit": "100/1m", "ordered": true, "maxBacklog": 10000 } } }""");

        await _workspace.StartWorkerAsync("--config", config);

        var smtp = Workspace.Parse(await _workspace.OkAsync("queues", "--json")).GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("name").GetString() == "smtp");
        smtp.GetProperty("globalLimit").GetInt32().ShouldBe(4);
        smtp.GetProperty("rateLimit").GetString().ShouldBe("100/1m");
        smtp.GetProperty("ordered").GetBoolean().ShouldBeTrue();
        smtp.GetProperty("maxBacklog").GetInt64().ShouldBe(10_000);
    }

    [Fact]
    public async Task ConfigFile_WithABadLimit_IsRefused()
    {
        var config = _workspace.WriteFile("conveyor.json", """{ "queues": { "smtp": { "concurrency": 2, "rateLimit": "100/0s" } } }""");

        var result = await _workspace.RunAsync("worker", "--config", config);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.Single().ShouldContain("queues.smtp.rateLimit: rate limit '100/0s': the period must be 1ms–1d");
    }

    [Fact]
    public async Task CancellingARunningJob_StopsItsHandler()
    {
        await _workspace.StartWorkerAsync("--concurrency", "1", "--poll-interval", "100ms", "--heartbeat-interval", "300ms", "--lease-duration", "5s");
        var id = await _workspace.EnqueueAsync("conveyor.sleep", "--args", """{"ms":60000}""");
        await Workspace.UntilAsync(async () => (await _workspace.JobAsync(id)).GetProperty("state").GetString() == "running",
            TimeSpan.FromSeconds(30), "the job to run");

        (await _workspace.OkAsync("jobs", "cancel", id.ToString())).Trim().ShouldBe($"job {id} cancelled");

        // The node notices at its next heartbeat and frees the slot: the next job runs.
        var next = await _workspace.EnqueueAsync("conveyor.noop");
        (await _workspace.RunAsync("jobs", "wait", next.ToString(), "--timeout", "30s")).ExitCode.ShouldBe(0);
        (await _workspace.JobAsync(id)).GetProperty("state").GetString().ShouldBe("cancelled");
    }
}
