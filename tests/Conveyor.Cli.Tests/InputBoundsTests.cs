using System.Diagnostics;
using Conveyor.Cli.Config;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary>
/// Values at the edges: strict ISO-8601 times, durations beyond what the program can hold, repeated queue names in
/// the config file, the smallest job timeout, and Ctrl+C while <c>enqueue --from -</c> waits on an idle stdin.
/// </summary>
public sealed class InputBoundsTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    [Theory]
    [InlineData("2030-01-02", "2030-01-02T00:00:00.0000000+00:00")]
    [InlineData("2030-01-02T10:00", "2030-01-02T10:00:00.0000000+00:00")]
    [InlineData("2030-01-02T10:00:30", "2030-01-02T10:00:30.0000000+00:00")]
    [InlineData("2030-01-02T10:00:30Z", "2030-01-02T10:00:30.0000000+00:00")]
    [InlineData("2030-01-02T10:00:30.25Z", "2030-01-02T10:00:30.2500000+00:00")]
    [InlineData("2030-01-02T10:00:30.1234567Z", "2030-01-02T10:00:30.1234567+00:00")]
    [InlineData("2030-01-02T12:00:00+02:00", "2030-01-02T10:00:00.0000000+00:00")]
    [InlineData("2030-01-02T05:30-04:30", "2030-01-02T10:00:00.0000000+00:00")]
    [InlineData("2028-02-29T23:59:59Z", "2028-02-29T23:59:59.0000000+00:00")]
    public void Times_AcceptIso8601_AsUtc(string text, string expected)
    {
        Times.TryParse(text, out var value).ShouldBeTrue(text);
        value.ToString("o", System.Globalization.CultureInfo.InvariantCulture).ShouldBe(expected);
    }

    [Theory]
    [InlineData("1/2/2030")]
    [InlineData("2/1/2030")]
    [InlineData("Jan 5 2030")]
    [InlineData("5 January 2030")]
    [InlineData("10:00")]
    [InlineData("2030-1-2")]
    [InlineData("20300102")]
    [InlineData("2030-01-02 10:00:00Z")]
    [InlineData("2030-01-02T10Z")]
    [InlineData("2030-01-02Z")]
    [InlineData("2030-01-02T10:00:00+0200")]
    [InlineData("2030-01-02T10:00:00+15:00")]
    [InlineData("2030-01-02T10:00:00.12345678Z")]
    [InlineData("2030-01-02T10:00:00.Z")]
    [InlineData("2030-02-30")]
    [InlineData("2029-02-29")]
    [InlineData("2030-13-01")]
    [InlineData("2030-01-02T24:00:00Z")]
    [InlineData("2030-01-02T10:60:00Z")]
    [InlineData("2030-01-02t10:00:00z")]
    [InlineData(" 2030-01-02")]
    [InlineData("2030-01-02\n")]
    [InlineData("0000-01-01")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("٢٠٣٠-01-02")]
    [InlineData("")]
    public void Times_RejectEverythingElse(string text)
    {
        Times.TryParse(text, out _).ShouldBeFalse(text);
        Should.Throw<UsageException>(() => Times.Parse(text, "--at")).Message.ShouldContain("use ISO-8601");
    }

    [Theory]
    [InlineData("1/2/2030")]
    [InlineData("Jan 5 2030")]
    [InlineData("10:00")]
    public async Task EnqueueAt_NotIso8601_ExitsTwo_AndStoresNothing(string at)
    {
        var result = await _workspace.RunAsync("enqueue", "conveyor.noop", "--at", at);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.Count.ShouldBe(1, result.ToString());
        result.ErrorLines[0].ShouldStartWith($"conveyor: bad time '{at}' for --at: use ISO-8601");
        result.Stdout.ShouldBeEmpty();
        (await _workspace.CountsAsync()).Values.Sum().ShouldBe(0);
    }

    [Fact]
    public async Task EnqueueAt_WithoutAnOffset_IsUtc_AndADateIsItsMidnight()
    {
        var clock = await _workspace.EnqueueAsync("conveyor.noop", "--at", "2030-01-02T03:04");
        var date = await _workspace.EnqueueAsync("conveyor.noop", "--at", "2030-01-02");
        var offset = await _workspace.EnqueueAsync("conveyor.noop", "--at", "2030-01-02T05:04:05+02:00");

        (await _workspace.JobAsync(clock)).GetProperty("runAt").GetString().ShouldBe("2030-01-02T03:04:00Z");
        (await _workspace.JobAsync(date)).GetProperty("runAt").GetString().ShouldBe("2030-01-02T00:00:00Z");
        (await _workspace.JobAsync(offset)).GetProperty("runAt").GetString().ShouldBe("2030-01-02T03:04:05Z");
    }

    [Theory]
    [InlineData("--duration must be at most 1d (got 100d)", "demo", "--duration", "100d")]
    [InlineData("--shutdown-timeout must be at most 7d (got 3000000d)", "worker", "--shutdown-timeout", "3000000d")]
    [InlineData("--lease-duration must be at most 7d (got 3000000d)", "worker", "--lease-duration", "3000000d")]
    [InlineData("--leader-lease-duration must be at most 7d (got 8d)", "worker", "--leader-lease-duration", "8d")]
    [InlineData("--affinity-grace must be at most 7d (got 3000000d)", "worker", "--affinity-grace", "3000000d")]
    [InlineData("--cancel-grace must be at most 7d (got 50d)", "worker", "--cancel-grace", "50d")]
    [InlineData("--heartbeat-interval must be at most 1d (got 2d)", "worker", "--heartbeat-interval", "2d")]
    [InlineData("--poll-interval must be at most 1d (got 30d)", "worker", "--poll-interval", "30d")]
    [InlineData("--maintenance-interval must be at most 1d (got 3000000d)", "worker", "--maintenance-interval", "3000000d")]
    [InlineData("--max-lost-leases must be between 1 and 1000 (got 0)", "worker", "--max-lost-leases", "0")]
    [InlineData("--max-lost-leases must be between 1 and 1000 (got 1001)", "worker", "--max-lost-leases", "1001")]
    [InlineData("--max-lost-leases must be a whole number (got many)", "serve", "--max-lost-leases", "many")]
    public async Task Settings_BeyondTheOptionsBound_ExitTwo_NamingTheOptionAndTheBound(string message, params string[] args)
    {
        var result = await _workspace.RunAsync(args);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.Count.ShouldBe(1, result.ToString());
        result.ErrorLines[0].ShouldStartWith($"conveyor: {message}");
        result.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task Demo_WithARefusedDuration_LeavesItsDatabaseAlone()
    {
        var database = _workspace.WriteFile("conveyor-demo.db", "the last demo's jobs");

        var result = await _workspace.RunAsync("demo", "--duration", "100d");

        result.ExitCode.ShouldBe(2, result.ToString());
        File.ReadAllText(database).ShouldBe("the last demo's jobs");
    }

    [Fact]
    public async Task JobsWait_WithATimeoutBeyondWhatATimerHolds_WaitsWithoutOne()
    {
        var id = await _workspace.EnqueueAsync("conveyor.noop");
        await _workspace.OkAsync("jobs", "cancel", id.ToString());

        var result = await _workspace.RunAsync("jobs", "wait", id.ToString(), "--timeout", "50d");

        // The job is final: wait reports how it ended instead of failing on the timer.
        result.ExitCode.ShouldBe(1, result.ToString());
        result.OutputLines.ShouldBe([$"job {id} cancelled"]);
        result.ErrorLines.ShouldBe([$"conveyor: job {id} ended cancelled"]);
    }

    [Theory]
    [InlineData("""{ "queues": { "a": 1, "a": 2 } }""", "queue 'a' is named twice")]
    [InlineData("""{ "queues": { "a": 1, "b": 1, "a": { "concurrency": 2 } } }""", "queue 'a' is named twice")]
    [InlineData("""{ "queues": { "a": 1 }, "queues": { "b": 2 } }""", "setting 'queues' is given twice")]
    [InlineData("""{ "queues": { "a": { "concurrency": 1, "concurrency": 2 } } }""", "queues.a.concurrency is given twice")]
    public void WorkerConfig_RefusesRepeatedNames(string text, string message)
    {
        Should.Throw<UsageException>(() => WorkerConfig.Parse(text, "conveyor.json")).Message
            .ShouldBe($"config file 'conveyor.json': {message}");
    }

    [Fact]
    public async Task Worker_WithAConfigFileThatNamesAQueueTwice_ExitsTwo_NamingTheFileAndTheQueue()
    {
        var config = _workspace.WriteFile("twice.json", """{"queues":{"a":1,"a":2}}""");

        var result = await _workspace.RunAsync("worker", "--config", config);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.ShouldBe([$"conveyor: config file '{config}': queue 'a' is named twice"]);
    }

    [Theory]
    [InlineData("0.1ms")]
    [InlineData("0ms")]
    public async Task Enqueue_WithATimeoutUnderOneMillisecond_ExitsTwo_AndStoresNothing(string timeout)
    {
        var result = await _workspace.RunAsync("enqueue", "conveyor.noop", "--timeout", timeout);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.Count.ShouldBe(1, result.ToString());
        result.ErrorLines[0].ShouldStartWith("conveyor: --timeout must be at least 1 ms");
        (await _workspace.CountsAsync()).Values.Sum().ShouldBe(0);
    }

    [Fact]
    public async Task Enqueue_WithATimeoutOfOneMillisecond_KeepsIt()
    {
        var id = await _workspace.EnqueueAsync("conveyor.noop", "--timeout", "1ms", "--delay", "1h");

        (await _workspace.JobAsync(id)).GetProperty("timeoutMs").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task EnqueueFrom_Stdin_IsInterruptedByCtrlC_WhileItWaitsForInput()
    {
        using var process = Process.Start(ConveyorCli.StartInfo(_workspace.Store, _workspace.Directory, ["enqueue", "conveyor.noop", "--from", "-"]))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // A line arrives, then the pipe stays open and idle, as when the producer stalls.
            await process.StandardInput.WriteLineAsync("{}");
            await process.StandardInput.FlushAsync();
            // No output tells when the command is reading; give the runtime ample time to start and install its handler.
            await Task.Delay(TimeSpan.FromSeconds(3));
            process.HasExited.ShouldBeFalse();

            Signals.Send(process.Id, Signals.SIGINT);

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var exited = true;
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                exited = false;
            }
            exited.ShouldBeTrue("enqueue --from - ignored Ctrl+C while stdin stayed open");
            process.ExitCode.ShouldBe(130, await stderr);
            (await stderr).ShouldBe("conveyor: interrupted\n");
            (await stdout).ShouldBeEmpty();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        (await _workspace.CountsAsync()).Values.Sum().ShouldBe(0);
    }
}
