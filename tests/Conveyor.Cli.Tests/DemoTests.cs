using System.Text.RegularExpressions;
using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary><c>conveyor demo</c>, piped: counts per second, outcomes, a retried failure, a summary.</summary>
public sealed class DemoTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    [Fact]
    public async Task Demo_RunsSampleJobs_OnItsOwnDatabase_AndSummarises()
    {
        var result = await _workspace.RunAsync("demo", "--duration", "4s");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stderr.ShouldBeEmpty();
        var succeeded = Regex.Matches(result.Stdout, @"succeeded (\d+) ·").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        succeeded.ShouldNotBeEmpty();
        succeeded.Max().ShouldBeGreaterThan(0);
        result.Stdout.ShouldContain("demo.send_mail succeeded in");
        result.Stdout.ShouldContain("demo.sync_inventory attempt 1 failed");
        result.Stdout.ShouldContain("Demo finished after");
        // Piped, the first line says which store and for how long (a terminal shows it in the live view's header).
        result.OutputLines[0].ShouldStartWith("Conveyor demo on store sqlite:conveyor-demo.db · node ");
        result.OutputLines[0].ShouldEndWith("for 4s (Ctrl+C stops early)");
        result.Stdout.ShouldContain("Demo finished after", Case.Sensitive);
        result.Stdout.ShouldContain(" s on sqlite:conveyor-demo.db: ");
        foreach (var line in result.Stdout.Split('\n')) line.ShouldBe(line.TrimEnd(), "piped lines end without spaces");
        // The demo keeps to its own file: CONVEYOR_STORE (set for every test command) is not touched.
        File.Exists(Path.Combine(_workspace.Directory, "conveyor-demo.db")).ShouldBeTrue();
        (await _workspace.CountsAsync()).Values.Sum().ShouldBe(0);
    }
}
