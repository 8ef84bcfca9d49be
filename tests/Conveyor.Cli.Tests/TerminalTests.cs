using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary>
/// The views as a person sees them in an 80×24 terminal (a real one: tmux), and as a script reads them from a pipe:
/// tables fit without breaking a name, the demo's live view keeps its title on screen, piped lines end without spaces.
/// </summary>
public sealed class TerminalTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const string LongQueue = "invoices-and-payments-eu-west-1";
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    private async Task SeedAsync()
    {
        await _workspace.EnqueueAsync("conveyor.sleep", "--args", """{"ms":100}""");
        await _workspace.EnqueueAsync("conveyor.noop", "--queue", LongQueue);
        await _workspace.EnqueueAsync("conveyor.echo", "--queue", "smtp", "--delay", "1h");
    }

    [Fact]
    public async Task Queues_FitEightyColumns_OneLinePerQueue()
    {
        await SeedAsync();
        await using var terminal = await Terminal.StartAsync(_workspace.Store, _workspace.Directory, "queues");
        var screen = await terminal.WaitForExitAsync(Patience);

        AssertFits(screen);
        var header = screen.Single(l => l.TrimStart().StartsWith("QUEUE", StringComparison.Ordinal));
        header.ShouldContain("AVAIL");
        header.ShouldContain("RUN");
        // Each queue on one line with its counts: the name whole (or cut with "…"), never carried over to the next line.
        screen.ShouldContain(l => l.Contains("default", StringComparison.Ordinal) && l.TrimEnd().EndsWith('0'));
        screen.ShouldContain(l => l.Contains("smtp", StringComparison.Ordinal) && l.Contains(" no ", StringComparison.Ordinal));
        screen.ShouldContain(l => (l.Contains(LongQueue, StringComparison.Ordinal) || l.Contains("invoices-and-payments…", StringComparison.Ordinal)) && l.Contains(" no ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JobsList_FitsEightyColumns_OneLinePerJob()
    {
        await SeedAsync();
        await using var terminal = await Terminal.StartAsync(_workspace.Store, _workspace.Directory, "jobs", "list");
        var screen = await terminal.WaitForExitAsync(Patience);

        AssertFits(screen);
        screen.ShouldContain(l => l.Contains("ID", StringComparison.Ordinal) && l.Contains("KIND", StringComparison.Ordinal) && l.Contains("STATE", StringComparison.Ordinal));
        foreach (var (kind, state) in new[] { ("conveyor.sleep", "available"), ("conveyor.noop", "available"), ("conveyor.echo", "scheduled") })
            screen.ShouldContain(l => l.Contains(kind, StringComparison.Ordinal) && l.Contains(state, StringComparison.Ordinal), $"{kind} {state}");
    }

    [Fact]
    public async Task JobsList_InATerminal_ShowsAScreenful_WithItsHeaderAndTheWayOn()
    {
        var lines = string.Concat(Enumerable.Range(1, 40).Select(i => $$"""{"n":{{i}}}""" + "\n"));
        await _workspace.OkAsync("enqueue", "conveyor.noop", "--from", _workspace.WriteFile("jobs.jsonl", lines));
        await using var terminal = await Terminal.StartAsync(_workspace.Store, _workspace.Directory, "jobs", "list");
        var screen = await terminal.WaitForExitAsync(Patience);

        AssertFits(screen);
        // The list did not scroll its header away: the first line with text is the header, the last says how to go on.
        screen.First(l => l.Length > 0).TrimStart().ShouldStartWith("ID", customMessage: string.Join('\n', screen));
        screen.Last(l => l.Length > 0).ShouldStartWith("more jobs follow: add --cursor ");
        screen.Count(l => l.Contains("conveyor.noop", StringComparison.Ordinal)).ShouldBeGreaterThan(10);
        // Piped, the page is the usual 50.
        Workspace.Parse(await _workspace.OkAsync("jobs", "list", "--json")).GetProperty("jobs").GetArrayLength().ShouldBe(40);
    }

    [Fact]
    public async Task JobsShow_FitsEightyColumns()
    {
        var id = await _workspace.EnqueueAsync("conveyor.sleep", "--args", """{"ms":100}""", "--ordering-key", "customer-42");
        await using var terminal = await Terminal.StartAsync(_workspace.Store, _workspace.Directory, "jobs", "show", id.ToString());
        var screen = await terminal.WaitForExitAsync(Patience);

        AssertFits(screen);
        screen.ShouldContain(l => l.StartsWith("kind", StringComparison.Ordinal) && l.EndsWith("conveyor.sleep", StringComparison.Ordinal));
        screen.ShouldContain(l => l.StartsWith("ordering key", StringComparison.Ordinal) && l.EndsWith("customer-42", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Demo_LiveView_KeepsItsTitleTimerAndEventsOnAnEightyByTwentyFourScreen()
    {
        await using var terminal = await Terminal.StartAsync(_workspace.Store, _workspace.Directory, "demo", "--duration", "8s");

        // Once events fill the panel, the view is as tall as it gets: its top line must still be the title.
        var screen = await terminal.WaitForAsync("succeeded in", Patience);
        screen = await terminal.WaitForAsync("recent events", Patience);
        var top = screen.Select((line, row) => (line, row)).First(x => x.line.Length > 0);
        top.line.ShouldStartWith("Conveyor demo", customMessage: string.Join('\n', screen));
        top.line.ShouldContain("of 8s");
        top.line.ShouldContain("Ctrl+C stops early");
        screen.ShouldContain(l => l.StartsWith("store sqlite:conveyor-demo.db · node ", StringComparison.Ordinal));
        screen.ShouldContain(l => l.StartsWith("╰", StringComparison.Ordinal) && l.EndsWith("╯", StringComparison.Ordinal), "the events panel's bottom edge");

        var summary = await terminal.WaitForExitAsync(Patience);
        AssertFits(summary);
        summary.ShouldContain(l => l.StartsWith("Demo finished after", StringComparison.Ordinal));
        summary.ShouldContain("  ./conveyor queues");
    }

    [Fact]
    public async Task Worker_LogLines_WrapBetweenWords_AndNameTheStore()
    {
        await _workspace.EnqueueAsync("conveyor.fail", "--args", """{"message":"the warehouse in the south did not answer the inventory request in time"}""", "--max-attempts", "1");
        await using var terminal = await Terminal.StartAsync(_workspace.Store, _workspace.Directory, "worker", "--poll-interval", "100ms");

        var screen = await terminal.WaitForAsync("is dead", Patience);

        // Lines the terminal had to wrap would come back joined (capture-pane -J), longer than the screen.
        AssertFits(screen);
        var text = System.Text.RegularExpressions.Regex.Replace(string.Join(' ', screen), @"\s+", " ");
        text.ShouldContain($"info Worker on store sqlite:{_workspace.StorePath}");
        text.ShouldContain("the warehouse in the south did not answer the inventory request in time");
        screen.ShouldContain(l => l.Contains("info  Node ", StringComparison.Ordinal) && l.Contains(" started on store sqlite:", StringComparison.Ordinal));
        screen.ShouldNotContain(l => l.Contains("Conveyor.JobServer[", StringComparison.Ordinal), "no logger categories");
    }

    [Fact]
    public async Task PipedOutput_HasNoTrailingSpaces()
    {
        await SeedAsync();
        foreach (var args in new[] { new[] { "queues" }, ["jobs", "list"], ["jobs", "show", "1"], ["nodes"] })
        {
            var stdout = await _workspace.OkAsync(args);
            stdout.ShouldNotBeEmpty();
            foreach (var line in stdout.Split('\n'))
                line.ShouldBe(line.TrimEnd(), $"conveyor {string.Join(' ', args)}:\n{stdout}");
        }
        // The whole table is there: a pipe is not a terminal, nothing is dropped.
        (await _workspace.OkAsync("queues")).ShouldContain("CANCELLED");
    }

    /// <summary>No line reaches the terminal's last column, where it would wrap (tmux shows a wrapped line as two).</summary>
    private static void AssertFits(IReadOnlyList<string> screen)
    {
        screen.Count.ShouldBeLessThanOrEqualTo(Terminal.Rows);
        foreach (var line in screen) line.Length.ShouldBeLessThanOrEqualTo(Terminal.Columns, string.Join('\n', screen));
    }
}
