using Conveyor.Cli.Output;
using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary>
/// What a newcomer runs into: a mistyped store path or queue name is refused instead of silently created, and the
/// output says what is true (no lease on a finished job, the store the worker uses, counts in the right number).
/// </summary>
public sealed class NewcomerTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    [Theory]
    [InlineData("jobs", "list")]
    [InlineData("jobs", "show", "1")]
    [InlineData("jobs", "wait", "1")]
    [InlineData("jobs", "cancel", "1")]
    [InlineData("queues")]
    [InlineData("queues", "pause", "default")]
    [InlineData("queues", "resume", "default")]
    [InlineData("nodes")]
    public async Task ReadingCommands_OnAMissingSqlitePath_FailWithNoStore_AndCreateNothing(params string[] args)
    {
        var folder = Path.Combine(_workspace.Directory, "typo");
        var path = Path.Combine(folder, "conveyr.db");

        var result = await _workspace.RunAsync(["--store", $"sqlite:{path}", .. args]);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.ErrorLines.ShouldBe([$"conveyor: no store at {path}"]);
        result.Stdout.ShouldBeEmpty();
        Directory.Exists(folder).ShouldBeFalse("neither the file nor its folder is created");
    }

    [Theory]
    [InlineData("migrate")]
    [InlineData("enqueue", "conveyor.noop")]
    public async Task WritingCommands_CreateTheStore(params string[] args)
    {
        var path = Path.Combine(_workspace.Directory, "new", "conveyor.db");

        var result = await _workspace.RunAsync(["--store", $"sqlite:{path}", .. args]);

        result.ExitCode.ShouldBe(0, result.ToString());
        File.Exists(path).ShouldBeTrue();
        (await _workspace.RunAsync("--store", $"sqlite:{path}", "jobs", "list")).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task PausingAQueueNothingHasUsed_IsRefused_UnlessCreate()
    {
        await _workspace.EnqueueAsync("conveyor.noop", "--queue", "smtp");

        var typo = await _workspace.RunAsync("queues", "pause", "smpt");
        typo.ExitCode.ShouldBe(1, typo.ToString());
        typo.ErrorLines.Count.ShouldBe(1, typo.ToString());
        typo.ErrorLines[0].ShouldStartWith("conveyor: no queue smpt: no job and no node has used it (known queues: smtp)");
        typo.ErrorLines[0].ShouldContain("--create");
        (await _workspace.RunAsync("queues", "resume", "smpt")).ExitCode.ShouldBe(1);
        Workspace.Parse(await _workspace.OkAsync("queues", "--json")).GetProperty("queues").GetArrayLength().ShouldBe(1);

        (await _workspace.OkAsync("queues", "pause", "smtp")).Trim().ShouldBe("queue smtp paused");
        (await _workspace.OkAsync("queues", "pause", "newsletters", "--create")).Trim().ShouldBe("queue newsletters paused");
        (await _workspace.OkAsync("queues", "resume", "newsletters")).Trim().ShouldBe("queue newsletters resumed");
    }

    [Fact]
    public async Task Worker_NamesItsStorePath_AndAFinishedJobShowsNoLease()
    {
        var worker = await _workspace.StartWorkerAsync("--poll-interval", "100ms");
        worker.Output.ShouldContain($"Worker on store sqlite:{_workspace.StorePath}");

        // A job cancelled while it runs keeps its node and lease until the handler has stopped: the lease is not shown.
        var id = await _workspace.EnqueueAsync("conveyor.sleep", "--args", """{"ms":60000}""");
        await Workspace.UntilAsync(async () => (await _workspace.JobAsync(id)).GetProperty("state").GetString() == "running", TimeSpan.FromSeconds(30), "the sleep running");
        var running = await _workspace.OkAsync("jobs", "show", id.ToString());
        running.ShouldContain("lease until");
        await _workspace.OkAsync("jobs", "cancel", id.ToString());
        var shown = await _workspace.OkAsync("jobs", "show", id.ToString());

        shown.ShouldContain("cancelled");
        shown.ShouldContain("node");
        shown.ShouldNotContain("lease");

        var failed = await _workspace.EnqueueAsync("conveyor.fail", "--args", """{"message":"the printer is on fire"}""", "--max-attempts", "1");
        (await _workspace.RunAsync("jobs", "wait", failed.ToString(), "--timeout", "30s")).ExitCode.ShouldBe(1);
        var dead = (await _workspace.OkAsync("jobs", "show", failed.ToString())).Split('\n');
        dead.ShouldNotContain(l => l.StartsWith("lease", StringComparison.Ordinal));
        dead.ShouldContain("1 error");
        dead.ShouldContain(l => l.StartsWith("  attempt 1 at ", StringComparison.Ordinal));
        dead.ShouldContain("    the printer is on fire");
    }

    [Theory]
    [InlineData(0, "job", "0 jobs")]
    [InlineData(1, "job", "1 job")]
    [InlineData(2, "job", "2 jobs")]
    [InlineData(1, "failed attempt", "1 failed attempt")]
    public void Counts_AgreeInNumber(long count, string noun, string expected) => HumanOutput.Count(count, noun).ShouldBe(expected);
}
