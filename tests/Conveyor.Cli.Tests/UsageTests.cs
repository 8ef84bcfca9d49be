using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary>Bad usage exits 2 with one line on stderr and nothing on stdout; nothing is stored.</summary>
public sealed class UsageTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    [Theory]
    [InlineData("unknown option", "'--bogus'", "enqueue", "conveyor.noop", "--bogus")]
    [InlineData("unknown command", "'frobnicate'", "frobnicate")]
    [InlineData("no command", "'conveyor' needs a command: worker, serve, enqueue, jobs", "")]
    [InlineData("misspelt command", "unknown command 'lst' for 'conveyor jobs': use one of list, show", "jobs", "lst")]
    [InlineData("unknown option, spelt out", "unknown option '--bogus' for 'conveyor enqueue'", "enqueue", "conveyor.noop", "--bogus")]
    [InlineData("no kind", "'conveyor enqueue' needs KIND", "enqueue")]
    [InlineData("option without its value", "--max-attempts needs a value (N)", "enqueue", "conveyor.noop", "--max-attempts")]
    [InlineData("one argument too many", "unexpected argument 'extra' for 'conveyor jobs show'", "jobs", "show", "1", "extra")]
    [InlineData("bad duration", "bad duration '5x' for --delay", "enqueue", "conveyor.noop", "--delay", "5x")]
    [InlineData("blank node name", "NAME must be a node's name", "nodes", "stop", " ")]
    [InlineData("bad time", "bad time 'soon' for --at", "enqueue", "conveyor.noop", "--at", "soon")]
    [InlineData("bad JSON", "--args is not valid JSON: 'x' is an invalid start of a property name", "enqueue", "conveyor.noop", "--args", "{x")]
    [InlineData("bad JSON, second line", "(line 2, column 8)", "enqueue", "conveyor.noop", "--args", "{\n  \"a\": x}")]
    [InlineData("args not an object", "--args must be a JSON object or array", "enqueue", "conveyor.noop", "--args", "42")]
    [InlineData("bad kind", "kind 'bad kind' has the character ' '", "enqueue", "bad kind")]
    [InlineData("bad queue", "--queue has the character '/'; only A-Z a-z 0-9 _ . : - are allowed (got a/b)", "enqueue", "conveyor.noop", "--queue", "a/b")]
    [InlineData("bad priority", "--priority must be between -1000 and 1000 (got 5000)", "enqueue", "conveyor.noop", "--priority", "5000")]
    [InlineData("not a number", "--priority must be a whole number (got many)", "enqueue", "conveyor.noop", "--priority", "many")]
    [InlineData("delay and at", "give --delay or --at, not both", "enqueue", "conveyor.noop", "--delay", "1s", "--at", "2030-01-01T00:00:00Z")]
    [InlineData("args and from", "give --args or --from, not both", "enqueue", "conveyor.noop", "--args", "{}", "--from", "x.jsonl")]
    [InlineData("bad state", "--state nope is not a state", "jobs", "list", "--state", "nope")]
    [InlineData("bad limit", "--limit must be between 1 and 1000 (got 0)", "jobs", "list", "--limit", "0")]
    [InlineData("bad queue to list", "--queue has the character ' '; only A-Z a-z 0-9 _ . : - are allowed (got 'a b')", "jobs", "list", "--queue", "a b")]
    [InlineData("bad id", "bad job id abc: ids are whole numbers from 1", "jobs", "show", "abc")]
    [InlineData("bad queue to pause", "queue 'a b' has the character ' '", "queues", "pause", "a b")]
    [InlineData("bad max attempts", "--max-attempts must be between 1 and 1000 (got 0)", "enqueue", "conveyor.noop", "--max-attempts", "0")]
    [InlineData("prefetch too far", "--prefetch must be 0 (claim only for free slots) or a duration of at most 1s, such as 10ms (got 5s)", "worker", "--prefetch", "5s")]
    [InlineData("prefetch not a duration", "--prefetch must be 0 (claim only for free slots) or a duration of at most 1s, such as 10ms (got lots)", "serve", "--prefetch", "lots")]
    [InlineData("timeout echoed as typed", "--timeout must be at least 1 ms and at most 7 days (got 0s)", "enqueue", "conveyor.noop", "--timeout", "0s")]
    [InlineData("after not an id", "--after must be a job id (got -3)", "enqueue", "conveyor.noop", "--after", "-3")]
    [InlineData("unique-for alone", "--unique-for needs --unique-key", "enqueue", "conveyor.noop", "--unique-for", "1m")]
    [InlineData("cron with three fields", "cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; '* * *' has 3", "cron", "add", "n", "* * *", "conveyor.noop")]
    [InlineData("cron with a bad field", "cron '61 * * * *' is not a valid cron expression", "cron", "add", "n", "61 * * * *", "conveyor.noop")]
    [InlineData("cron in an unknown zone", "--tz is not a known IANA time zone (such as Europe/Paris or America/New_York) (got Mars/Base)", "cron", "add", "n", "0 3 * * *", "conveyor.noop", "--tz", "Mars/Base")]
    [InlineData("cron missed policy", "--missed must be catch-up or skip (got sometimes)", "cron", "add", "n", "0 3 * * *", "conveyor.noop", "--missed", "sometimes")]
    [InlineData("cron bad name", "name 'a b' has the character ' '", "cron", "add", "a b", "0 3 * * *", "conveyor.noop")]
    [InlineData("cron bad attempts", "--max-attempts must be between 1 and 1000 (got 0)", "cron", "add", "n", "0 3 * * *", "conveyor.noop", "--max-attempts", "0")]
    [InlineData("batch id not a number", "bad batch id x: ids are whole numbers from 1", "batches", "show", "x")]
    [InlineData("queue cap over the pool", "queue 'a' may take 8 slots but the node's pool has only 4 (--concurrency): raise the pool or lower the queue's number", "worker", "--concurrency", "4", "--queues", "a=8")]
    [InlineData("bad store", "bad store 'nosuch'", "--store", "nosuch", "jobs", "list")]
    [InlineData("concurrency not a number", "--concurrency must be a whole number (got many)", "worker", "--concurrency", "many")]
    [InlineData("no concurrency", "--concurrency must be between 1 and 2147483647 (got 0)", "worker", "--concurrency", "0")]
    [InlineData("bad worker queues", "bad --queues", "worker", "--queues", "default=0")]
    [InlineData("bad worker timings", "--heartbeat-interval (1m) must be shorter than --lease-duration (10s)", "worker", "--heartbeat-interval", "1m", "--lease-duration", "10s")]
    [InlineData("missing config", "cannot read config file", "worker", "--config", "missing.json")]
    [InlineData("bad bench measure", "bad measure 'fast' for --measure", "bench", "--measure", "process,fast")]
    [InlineData("bad bench runs", "bad bench settings: runs must be 1–100", "bench", "--runs", "0")]
    [InlineData("bad bench jobs", "bad bench settings: jobs must be at least 1", "bench", "--jobs", "0")]
    [InlineData("bench nodes on memory", "--nodes needs a store that node processes can share", "--store", "memory:", "bench", "--nodes", "2")]
    public async Task BadUsage_ExitsTwoWithOneLine(string what, string message, params string[] args)
    {
        var result = await _workspace.RunAsync(args.Where(a => a.Length > 0).ToArray());

        result.ExitCode.ShouldBe(2, $"{what}: {result}");
        result.ErrorLines.Count.ShouldBe(1, $"{what}: {result}");
        result.ErrorLines[0].ShouldStartWith("conveyor: ");
        result.ErrorLines[0].ShouldContain(message, Case.Sensitive, $"{what}: {result}");
        result.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task BadUsage_StoresNothing()
    {
        (await _workspace.RunAsync("enqueue", "conveyor.noop", "--args", "{x")).ExitCode.ShouldBe(2);

        (await _workspace.CountsAsync()).Values.Sum().ShouldBe(0);
    }

    [Fact]
    public async Task UnreachablePostgres_ExitsOneWithOneLine_WithoutThePassword()
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var result = await _workspace.RunAsync("--store", "postgres://app:secret@127.0.0.1:1/jobs", "jobs", "list");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.ErrorLines.Count.ShouldBe(1, result.ToString());
        result.Stderr.ShouldNotContain("secret");
    }

    [Fact]
    public async Task UnreachableStore_ExitsOneWithOneLine()
    {
        var result = await _workspace.RunAsync("--store", "sqlite:/proc/no-such-place/conveyor.db", "jobs", "list");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.ErrorLines.Count.ShouldBe(1, result.ToString());
        result.Stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Help_ExitsZeroAndListsTheCommands()
    {
        var result = await _workspace.RunAsync("--help");

        result.ExitCode.ShouldBe(0, result.ToString());
        foreach (var command in new[] { "worker", "enqueue", "jobs", "queues", "nodes", "migrate", "demo" })
            result.Stdout.ShouldContain(command);
    }
}
