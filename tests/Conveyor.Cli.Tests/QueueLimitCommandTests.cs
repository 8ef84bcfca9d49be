using System.Text.Json;
using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary><c>conveyor queues limit</c>, the limits in <c>queues</c>, the backlog error of <c>enqueue</c>, and jobs nobody can run.</summary>
public sealed class QueueLimitCommandTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _workspace.DisposeAsync().AsTask();

    private async Task<JsonElement> QueueAsync(string name) =>
        Workspace.Parse(await _workspace.OkAsync("queues", "--json")).GetProperty("queues").EnumerateArray()
            .Single(q => q.GetProperty("name").GetString() == name);

    [Fact]
    public async Task QueuesLimit_SetsTheLimitsItNames_KeepsTheOthers_AndQueuesShowsThem()
    {
        await _workspace.EnqueueAsync("conveyor.noop", "--queue", "smtp");

        (await _workspace.OkAsync("queues", "limit", "smtp", "--global", "4", "--rate", "100/1m")).Trim()
            .ShouldBe("queue smtp limits: global 4, rate 100/1m");
        (await _workspace.OkAsync("queues", "limit", "smtp", "--max-backlog", "10000", "--ordered", "true")).Trim()
            .ShouldBe("queue smtp limits: global 4, rate 100/1m, ordered, backlog 10000");

        var smtp = await QueueAsync("smtp");
        smtp.GetProperty("globalLimit").GetInt32().ShouldBe(4);
        smtp.GetProperty("rateLimit").GetString().ShouldBe("100/1m");
        smtp.GetProperty("ordered").GetBoolean().ShouldBeTrue();
        smtp.GetProperty("maxBacklog").GetInt64().ShouldBe(10_000);
        (await _workspace.OkAsync("queues")).ShouldContain("global 4, rate 100/1m, ordered, backlog 10000");

        (await _workspace.OkAsync("queues", "limit", "smtp", "--global", "none", "--rate", "none", "--ordered", "false", "--max-backlog", "none")).Trim()
            .ShouldBe("queue smtp limits: -");
        smtp = await QueueAsync("smtp");
        smtp.GetProperty("globalLimit").ValueKind.ShouldBe(JsonValueKind.Null);
        smtp.GetProperty("rateLimit").ValueKind.ShouldBe(JsonValueKind.Null);
        smtp.GetProperty("ordered").GetBoolean().ShouldBeFalse();
        smtp.GetProperty("maxBacklog").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task QueuesLimit_OnAQueueNothingHasUsed_IsRefused_UnlessCreate()
    {
        await _workspace.EnqueueAsync("conveyor.noop", "--queue", "smtp");

        var typo = await _workspace.RunAsync("queues", "limit", "smpt", "--global", "2");

        typo.ExitCode.ShouldBe(1, typo.ToString());
        typo.ErrorLines.ShouldBe(["conveyor: no queue smpt: no job and no node has used it (known queues: smtp); add --create to limit it before first use"]);
        Workspace.Parse(await _workspace.OkAsync("queues", "--json")).GetProperty("queues").GetArrayLength().ShouldBe(1);
        (await _workspace.OkAsync("queues", "limit", "mail", "--global", "2", "--create")).Trim().ShouldBe("queue mail limits: global 2");
        (await QueueAsync("mail")).GetProperty("globalLimit").GetInt32().ShouldBe(2);
    }

    [Theory]
    [InlineData("--global must be a whole number 1–1000000 or none (got 0)", "--global", "0")]
    [InlineData("--global must be a whole number 1–1000000 or none (got -3)", "--global", "-3")]
    [InlineData("--global must be a whole number 1–1000000 or none (got abc)", "--global", "abc")]
    [InlineData("--rate: rate limit '100/0s': the period must be 1ms–1d", "--rate", "100/0s")]
    [InlineData("--rate: 'abc' is not a rate limit: write N/PERIOD, such as 100/1m or 50/1s", "--rate", "abc")]
    [InlineData("--rate: rate limit '0/1s': the count must be a whole number 1–1000000", "--rate", "0/1s")]
    [InlineData("--max-backlog must be a whole number 1–1000000000 or none (got 0)", "--max-backlog", "0")]
    [InlineData("--ordered must be true or false (got yes)", "--ordered", "yes")]
    [InlineData("queues limit needs at least one of --global, --rate, --ordered, --max-backlog")]
    public async Task QueuesLimit_RefusesABadValue_AndChangesNothing(string message, params string[] args)
    {
        await _workspace.OkAsync("queues", "limit", "smtp", "--global", "7", "--create");

        var result = await _workspace.RunAsync(["queues", "limit", "smtp", .. args]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain(message);
        result.Stdout.ShouldBeEmpty();
        var smtp = await QueueAsync("smtp");
        smtp.GetProperty("globalLimit").GetInt32().ShouldBe(7);
        smtp.GetProperty("rateLimit").ValueKind.ShouldBe(JsonValueKind.Null);
        smtp.GetProperty("maxBacklog").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Enqueue_BeyondTheBacklogLimit_Exits1WithOneLine_AndStoresNothing()
    {
        await _workspace.OkAsync("queues", "limit", "smtp", "--max-backlog", "2", "--create");
        await _workspace.EnqueueAsync("conveyor.noop", "--queue", "smtp");
        await _workspace.EnqueueAsync("conveyor.noop", "--queue", "smtp");

        var full = await _workspace.RunAsync("enqueue", "conveyor.noop", "--queue", "smtp");

        full.ExitCode.ShouldBe(1, full.ToString());
        full.ErrorLines.ShouldBe(["conveyor: queue smtp is full: its backlog limit is 2 jobs and it holds 2"]);
        full.Stdout.ShouldBeEmpty();
        (await QueueAsync("smtp")).GetProperty("counts").GetProperty("available").GetInt64().ShouldBe(2);
    }

    [Fact]
    public async Task BulkEnqueue_BeyondTheBacklogLimit_StoresNoneOfIt()
    {
        await _workspace.OkAsync("queues", "limit", "smtp", "--max-backlog", "3", "--create");
        var file = _workspace.WriteFile("jobs.jsonl", "{}\n{}\n{}\n{}\n");

        var full = await _workspace.RunAsync("enqueue", "conveyor.noop", "--queue", "smtp", "--from", file);

        full.ExitCode.ShouldBe(1, full.ToString());
        full.ErrorLines.ShouldBe(["conveyor: queue smtp is full: its backlog limit is 3 jobs and it holds 0"]);
        (await QueueAsync("smtp")).GetProperty("counts").GetProperty("available").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task JobsOfAKindNoLiveNodeRuns_AreCountedInQueues_AndFlaggedInJobsShow()
    {
        await _workspace.StartWorkerAsync("--poll-interval", "100ms");
        var orphan = await _workspace.EnqueueAsync("nobody.runs.this", "--queue", "default");
        var runnable = await _workspace.EnqueueAsync("conveyor.noop", "--queue", "default");
        (await _workspace.RunAsync("jobs", "wait", runnable.ToString())).ExitCode.ShouldBe(0);

        (await QueueAsync("default")).GetProperty("noHandler").GetInt64().ShouldBe(1);
        (await _workspace.OkAsync("queues")).ShouldContain("queue default: 1 available job of a kind no live node serving the queue handles");
        (await _workspace.JobAsync(orphan)).GetProperty("noHandler").GetBoolean().ShouldBeTrue();
        (await _workspace.OkAsync("jobs", "show", orphan.ToString())).ShouldContain("no live node serving queue default handles kind nobody.runs.this");
        // Only when true: the job JSON of a job someone runs is unchanged.
        (await _workspace.JobAsync(runnable)).TryGetProperty("noHandler", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task AvailableJobs_OfAQueueNoLiveNodeServes_AllHaveNoHandler()
    {
        await _workspace.EnqueueAsync("conveyor.noop", "--queue", "mail");
        await _workspace.EnqueueAsync("conveyor.noop", "--queue", "mail");

        (await QueueAsync("mail")).GetProperty("noHandler").GetInt64().ShouldBe(2);
    }
}
