using Conveyor.Cli.Tests.Support;

namespace Conveyor.Cli.Tests;

/// <summary><c>conveyor cron add|list|remove</c>, and a worker firing a schedule from its config file.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CronCommandTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    [Fact]
    public async Task CronAddListRemove_ManageSchedulesAtRunTime()
    {
        var added = await _workspace.OkAsync("cron", "add", "nightly", "0 3 * * *", "conveyor.echo", "--args", """{"report":"sales"}""",
            "--tz", "Europe/Paris", "--queue", "reports", "--max-attempts", "3", "--timeout", "10m");
        added.ShouldStartWith("cron schedule nightly added; next run ");
        added.Trim().ShouldEndWith(":00:00Z");

        var listed = Workspace.Parse(await _workspace.OkAsync("cron", "list", "--json")).GetProperty("schedules");
        listed.GetArrayLength().ShouldBe(1);
        var nightly = listed[0];
        nightly.GetProperty("name").GetString().ShouldBe("nightly");
        nightly.GetProperty("cron").GetString().ShouldBe("0 3 * * *");
        nightly.GetProperty("timeZone").GetString().ShouldBe("Europe/Paris");
        nightly.GetProperty("kind").GetString().ShouldBe("conveyor.echo");
        nightly.GetProperty("args").GetRawText().ShouldBe("""{"report":"sales"}""");
        nightly.GetProperty("options").GetRawText().ShouldBe("""{"queue":"reports","maxAttempts":3,"timeoutMs":600000}""");
        nightly.GetProperty("missedTicks").GetString().ShouldBe("catch-up");
        nightly.GetProperty("source").GetString().ShouldBe("cli");
        nightly.GetProperty("lastRun").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        var next = nightly.GetProperty("nextRun").GetDateTimeOffset();
        // 03:00 in Paris is 01:00 or 02:00 UTC.
        next.UtcDateTime.Hour.ShouldBeInRange(1, 2);

        var table = await _workspace.OkAsync("cron", "list");
        table.ShouldContain("nightly");
        table.ShouldContain("Europe/Paris");

        (await _workspace.OkAsync("cron", "add", "nightly", "0 3 * * *", "conveyor.echo", "--args", """{"report":"sales"}""",
            "--tz", "Europe/Paris", "--queue", "reports", "--max-attempts", "3", "--timeout", "10m")).ShouldStartWith("cron schedule nightly unchanged");
        (await _workspace.OkAsync("cron", "add", "nightly", "0 4 * * *", "conveyor.echo")).ShouldStartWith("cron schedule nightly replaced");

        (await _workspace.OkAsync("cron", "remove", "nightly")).Trim().ShouldBe("cron schedule nightly removed");
        var again = await _workspace.RunAsync("cron", "remove", "nightly");
        again.ExitCode.ShouldBe(1, again.ToString());
        again.ErrorLines.ShouldBe(["conveyor: no cron schedule named nightly"]);
        (await _workspace.OkAsync("cron", "list")).Trim().ShouldBe("no cron schedules");
    }

    [Fact]
    public async Task AWorker_FiresTheConfigFilesSchedule_EveryTick_AndRunsItsExecHandler()
    {
        var script = _workspace.WriteFile("shout.sh", "#!/bin/sh\nprintf '%s' \"$1\" | tr a-z A-Z\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var config = _workspace.WriteFile("conveyor.json", $$"""
            {
              "queues": { "default": 4 },
              "cron": { "every-second": { "schedule": "* * * * * *", "kind": "shout", "args": { "word": "tick; $(id)" }, "maxAttempts": 2 } },
              "exec": { "shout": { "command": "{{script}}", "args": ["{word}"], "timeout": "10s" } }
            }
            """);
        await _workspace.StartWorkerAsync("--config", config, "--poll-interval", "100ms");

        var enqueued = await _workspace.EnqueueAsync("shout", "--args", """{"word":"hello `id` world"}""");
        var done = Workspace.Parse((await _workspace.RunAsync("jobs", "wait", enqueued.ToString(), "--json")).Stdout);
        done.GetProperty("state").GetString().ShouldBe("succeeded");
        done.GetProperty("result").GetString().ShouldBe("HELLO `ID` WORLD");

        await Workspace.UntilAsync(async () => (await _workspace.AllJobsAsync()).Count(j => j.GetProperty("state").GetString() == "succeeded") >= 4,
            TimeSpan.FromSeconds(30), "three ticks to run");
        var ticks = (await _workspace.AllJobsAsync()).Where(j => j.GetProperty("id").GetInt64() != enqueued).ToList();
        var runAts = ticks.Select(j => j.GetProperty("runAt").GetDateTimeOffset()).ToList();
        runAts.Distinct().Count().ShouldBe(runAts.Count);
        runAts.ShouldAllBe(t => t.Millisecond == 0);
        ticks.Where(j => j.GetProperty("state").GetString() == "succeeded")
            .ShouldAllBe(j => j.GetProperty("result").GetString() == "TICK; $(ID)");
        var schedule = Workspace.Parse(await _workspace.OkAsync("cron", "list", "--json")).GetProperty("schedules")[0];
        schedule.GetProperty("source").GetString().ShouldBe("config");
        schedule.GetProperty("lastJobId").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Number);
    }

    [Fact]
    public async Task AWorker_RefusesAnExecHandlerWhoseProgramIsMissing()
    {
        var config = _workspace.WriteFile("conveyor.json", """{ "exec": { "convert": { "command": "/no/such/convert" } } }""");

        var result = await _workspace.RunAsync("worker", "--config", config);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.ShouldBe([$"conveyor: config file '{config}': exec handler 'convert': command '/no/such/convert' does not exist"]);
    }
}
