using System.Text;
using System.Text.Json;
using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary>enqueue, jobs show/list (tables and --json), retry, cancel, delete, migrate — no worker needed.</summary>
public sealed class JobCommandTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    [Fact]
    public async Task Enqueue_PrintsTheIdAlone_AndShowJson_HasEveryOption()
    {
        var stdout = await _workspace.OkAsync("enqueue", "send_email", "--args", """{"to":"a@example.com"}""", "--queue", "smtp",
            "--priority", "5", "--max-attempts", "3", "--timeout", "30s", "--ordering-key", "user-1", "--unique-key", "welcome-1",
            "--delay", "1h");
        stdout.ShouldMatch(@"^\d+\n$");
        var id = long.Parse(stdout);

        var job = await _workspace.JobAsync(id);

        job.GetProperty("id").GetInt64().ShouldBe(id);
        job.GetProperty("kind").GetString().ShouldBe("send_email");
        job.GetProperty("queue").GetString().ShouldBe("smtp");
        job.GetProperty("state").GetString().ShouldBe("scheduled");
        job.GetProperty("args").GetProperty("to").GetString().ShouldBe("a@example.com");
        job.GetProperty("priority").GetInt32().ShouldBe(5);
        job.GetProperty("attempt").GetInt32().ShouldBe(0);
        job.GetProperty("maxAttempts").GetInt32().ShouldBe(3);
        job.GetProperty("timeoutMs").GetInt64().ShouldBe(30_000);
        job.GetProperty("orderingKey").GetString().ShouldBe("user-1");
        job.GetProperty("uniqueKey").GetString().ShouldBe("welcome-1");
        var runAt = job.GetProperty("runAt").GetDateTimeOffset();
        var createdAt = job.GetProperty("createdAt").GetDateTimeOffset();
        (runAt - createdAt).ShouldBe(TimeSpan.FromHours(1), TimeSpan.FromSeconds(1));
        job.GetProperty("errors").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Enqueue_WithAUniqueKeyTaken_PrintsTheExistingId()
    {
        var first = await _workspace.EnqueueAsync("conveyor.noop", "--unique-key", "once");
        var second = await _workspace.EnqueueAsync("conveyor.noop", "--unique-key", "once");

        second.ShouldBe(first);
    }

    [Fact]
    public async Task Enqueue_At_SchedulesAtThatTime()
    {
        var id = await _workspace.EnqueueAsync("conveyor.noop", "--at", "2030-01-02T03:04:05Z");

        var job = await _workspace.JobAsync(id);
        job.GetProperty("state").GetString().ShouldBe("scheduled");
        job.GetProperty("runAt").GetString().ShouldBe("2030-01-02T03:04:05Z");
    }

    [Fact]
    public async Task Enqueue_AfterAMissingJob_ExitsOne()
    {
        var result = await _workspace.RunAsync("enqueue", "conveyor.noop", "--after", "424242");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.ErrorLines.ShouldBe(["conveyor: job 424242 not found"]);
    }

    [Fact]
    public async Task List_Json_IsTheApiBody_WithFiltersAndPaging()
    {
        var a = await _workspace.EnqueueAsync("conveyor.noop", "--queue", "q1");
        var b = await _workspace.EnqueueAsync("conveyor.echo", "--queue", "q1", "--args", "[1,2]");
        var c = await _workspace.EnqueueAsync("conveyor.noop", "--queue", "q2");

        var all = Workspace.Parse(await _workspace.OkAsync("jobs", "list", "--json"));
        all.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()).ShouldBe([c, b, a]);
        all.GetProperty("next").ValueKind.ShouldBe(JsonValueKind.Null);

        var q1 = Workspace.Parse(await _workspace.OkAsync("jobs", "list", "--json", "--queue", "q1", "--kind", "conveyor.echo"));
        q1.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()).ShouldBe([b]);
        q1.GetProperty("jobs")[0].GetProperty("args").GetRawText().ShouldBe("[1,2]");

        var page1 = Workspace.Parse(await _workspace.OkAsync("jobs", "list", "--json", "--limit", "2"));
        page1.GetProperty("jobs").GetArrayLength().ShouldBe(2);
        var next = page1.GetProperty("next").GetString();
        next.ShouldNotBeNull();
        var page2 = Workspace.Parse(await _workspace.OkAsync("jobs", "list", "--json", "--limit", "2", "--cursor", next));
        page2.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()).ShouldBe([a]);

        var available = Workspace.Parse(await _workspace.OkAsync("jobs", "list", "--json", "--state", "available"));
        available.GetProperty("jobs").GetArrayLength().ShouldBe(3);
    }

    [Fact]
    public async Task ListAndShow_WithoutJson_PrintTables()
    {
        var id = await _workspace.EnqueueAsync("report.build", "--args", """{"title":"[bold]Q3[/]"}""");

        var list = await _workspace.OkAsync("jobs", "list");
        list.ShouldContain("report.build");
        list.ShouldContain("available");

        var show = await _workspace.OkAsync("jobs", "show", id.ToString());
        show.ShouldContain("report.build");
        show.ShouldContain("[bold]Q3[/]"); // job data is never taken for markup

        (await _workspace.OkAsync("queues")).ShouldContain("default");
        (await _workspace.OkAsync("nodes")).ShouldContain("no live nodes");
    }

    [Fact]
    public async Task EnqueueFrom_File_EnqueuesEveryLineInChunks_OneIdPerLine()
    {
        const int count = 2_500; // more than two chunks
        var lines = new StringBuilder();
        for (var i = 1; i <= count; i++) lines.Append($$"""{"n":{{i}}}""").Append('\n');
        lines.Append("\n"); // blank lines are skipped
        var file = _workspace.WriteFile("jobs.jsonl", lines.ToString());

        var stdout = await _workspace.OkAsync("enqueue", "conveyor.noop", "--from", file, "--queue", "bulk");

        var ids = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
        ids.Count.ShouldBe(count);
        ids.ShouldBeUnique();
        ids.ShouldBeInOrder(SortDirection.Ascending);
        (await _workspace.CountsAsync())["available"].ShouldBe(count);
        var last = await _workspace.JobAsync(ids[^1]);
        last.GetProperty("args").GetProperty("n").GetInt32().ShouldBe(count);
        last.GetProperty("queue").GetString().ShouldBe("bulk");
    }

    [Fact]
    public async Task EnqueueFrom_Stdin_ReadsDash()
    {
        var result = await _workspace.RunWithInputAsync("{\"a\":1}\n[2]\n{\"c\":3}\n", "enqueue", "conveyor.echo", "--from", "-");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.OutputLines.Count.ShouldBe(3);
    }

    [Fact]
    public async Task EnqueueFrom_WithABadLine_NamesTheLine_AndStoresNothing()
    {
        var file = _workspace.WriteFile("bad.jsonl", "{\"a\":1}\n{\"b\":2}\nnot json\n");

        var result = await _workspace.RunAsync("enqueue", "conveyor.noop", "--from", file);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.Count.ShouldBe(1);
        result.ErrorLines[0].ShouldContain("line 3");
        (await _workspace.CountsAsync()).Values.Sum().ShouldBe(0);
    }

    [Fact]
    public async Task CancelRetryDelete_ExitCodesFollowTheJobsState()
    {
        var id = (await _workspace.EnqueueAsync("conveyor.noop")).ToString();

        var retryAvailable = await _workspace.RunAsync("jobs", "retry", id);
        retryAvailable.ExitCode.ShouldBe(1, retryAvailable.ToString());
        retryAvailable.ErrorLines.ShouldBe([$"conveyor: cannot retry job {id}: it is available; only dead, cancelled, retrying or scheduled jobs can be retried"]);

        (await _workspace.OkAsync("jobs", "cancel", id)).Trim().ShouldBe($"job {id} cancelled");
        (await _workspace.JobAsync(long.Parse(id))).GetProperty("state").GetString().ShouldBe("cancelled");

        var cancelAgain = await _workspace.RunAsync("jobs", "cancel", id);
        cancelAgain.ExitCode.ShouldBe(1, cancelAgain.ToString());
        cancelAgain.ErrorLines.Count.ShouldBe(1);

        var retried = Workspace.Parse(await _workspace.OkAsync("jobs", "retry", id, "--json"));
        retried.GetProperty("state").GetString().ShouldBe("available");

        (await _workspace.OkAsync("jobs", "delete", id)).Trim().ShouldBe($"job {id} deleted");
        var show = await _workspace.RunAsync("jobs", "show", id);
        show.ExitCode.ShouldBe(1);
        show.ErrorLines.ShouldBe([$"conveyor: job {id} not found"]);

        foreach (var verb in new[] { "retry", "cancel", "delete", "wait" })
        {
            var missing = await _workspace.RunAsync("jobs", verb, "999999");
            missing.ExitCode.ShouldBe(1, $"{verb}: {missing}");
            missing.ErrorLines.ShouldBe(["conveyor: job 999999 not found"], verb);
        }
    }

    [Fact]
    public async Task Retry_OfAJobWhoseUniqueKeyAnotherJobHolds_ExitsOneWithTheReason_AndChangesNothing()
    {
        var first = (await _workspace.EnqueueAsync("conveyor.noop", "--unique-key", "invoice-7")).ToString();
        await _workspace.OkAsync("jobs", "cancel", first);
        var second = (await _workspace.EnqueueAsync("conveyor.noop", "--unique-key", "invoice-7")).ToString();

        var retry = await _workspace.RunAsync("jobs", "retry", first);

        retry.ExitCode.ShouldBe(1, retry.ToString());
        retry.ErrorLines.ShouldBe([$"conveyor: cannot retry job {first}: job {second} holds its unique key 'invoice-7'"]);
        (await _workspace.JobAsync(long.Parse(first))).GetProperty("state").GetString().ShouldBe("cancelled");
    }

    [Fact]
    public async Task PauseAndResume_ShowInQueues()
    {
        (await _workspace.OkAsync("queues", "pause", "smtp", "--create")).Trim().ShouldBe("queue smtp paused");
        var paused = Workspace.Parse(await _workspace.OkAsync("queues", "--json")).GetProperty("queues").EnumerateArray().Single();
        paused.GetProperty("name").GetString().ShouldBe("smtp");
        paused.GetProperty("paused").GetBoolean().ShouldBeTrue();
        paused.GetProperty("counts").EnumerateObject().Select(p => p.Name)
            .ShouldBe(["scheduled", "waiting", "available", "running", "retrying", "succeeded", "dead", "cancelled"]);
        // No live node serves it: the limits say so rather than being left out.
        paused.EnumerateObject().Select(p => p.Name).ShouldBe(["name", "paused", "counts", "slots", "busy", "nodes", "globalLimit", "rateLimit", "ordered", "maxBacklog", "noHandler"]);
        paused.GetProperty("slots").GetInt32().ShouldBe(0);
        paused.GetProperty("nodes").GetInt32().ShouldBe(0);

        (await _workspace.OkAsync("queues", "resume", "smtp")).Trim().ShouldBe("queue smtp resumed");
        Workspace.Parse(await _workspace.OkAsync("queues", "--json")).GetProperty("queues")[0].GetProperty("paused").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Migrate_CreatesTheSchema()
    {
        var stdout = await _workspace.OkAsync("migrate");

        stdout.ShouldStartWith("schema up to date: sqlite:");
        File.Exists(Path.Combine(_workspace.Directory, "conveyor.db")).ShouldBeTrue();
    }

    [Fact]
    public async Task MemoryStore_Works_ForOneCommand()
    {
        var result = await _workspace.RunAsync("--store", "memory:", "enqueue", "conveyor.noop");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.Trim().ShouldBe("1");
    }
}
