using System.Text.Json;
using Conveyor.Tests.Support;

namespace Conveyor.Tests.Exec;

// Exec handlers with real child processes: scripts written by each test, run directly (no shell between).
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ExecHandlerTests : IDisposable
{
    private readonly ScriptDirectory _scripts = new();

    public void Dispose() => _scripts.Dispose();

    private static async Task<TestNode> StartAsync(string kind, ExecHandlerOptions options)
    {
        var node = TestNode.Create(b => b.AddExecJob(kind, options));
        await node.StartAsync();
        return node;
    }

    private static async Task<JobInfo> RunAsync(TestNode node, string kind, string argsJson, int maxAttempts = 1)
    {
        var id = (await node.Client.EnqueueAsync(new JobRequest(kind, argsJson, new JobOptions { MaxAttempts = maxAttempts }))).Id;
        return await node.WaitAsync(id, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ShellMetacharactersQuotesNewlinesAndSpaces_ArriveLiterally_OneArgumentEach()
    {
        var received = _scripts.File("argv");
        var canary = _scripts.File("canary");
        var script = _scripts.Script("argv.sh", """printf '%s\0' "$@" > "$ARGV_FILE" """);
        await using var node = await StartAsync("test.argv", new ExecHandlerOptions
        {
            Command = script,
            Args = ["{semicolon}", "{substitution}", "{backticks}", "{quotes}", "{newlines}", "{spaces}", "-x", "{number}", "{flag}", "--out={semicolon}.txt", "{{literal}}"],
            Environment = new Dictionary<string, string> { ["ARGV_FILE"] = received },
        });
        var args = new Dictionary<string, object>
        {
            ["semicolon"] = "; rm -rf /",
            ["substitution"] = $"$(touch {canary})",
            ["backticks"] = $"`touch {canary}`",
            ["quotes"] = "it's \"quoted\" \\ here",
            ["newlines"] = "line one\nline two\r\n",
            ["spaces"] = "  two  spaces  ",
            ["number"] = 42.5,
            ["flag"] = true,
        };

        var job = await RunAsync(node, "test.argv", JsonSerializer.Serialize(args));

        job.State.ShouldBe(JobState.Succeeded);
        (await File.ReadAllTextAsync(received)).Split('\0')[..^1].ShouldBe(
        [
            "; rm -rf /", $"$(touch {canary})", $"`touch {canary}`", "it's \"quoted\" \\ here", "line one\nline two\r\n", "  two  spaces  ",
            "-x", "42.5", "true", "--out=; rm -rf /.txt", "{literal}",
        ]);
        File.Exists(canary).ShouldBeFalse();
    }

    [Fact]
    public async Task TheArgsJson_IsOnStdin_AndJsonOnStdout_IsTheResult()
    {
        await using var node = await StartAsync("test.cat", new ExecHandlerOptions { Command = _scripts.Script("cat.sh", "exec cat") });

        var job = await RunAsync(node, "test.cat", """{"to":"a@example.com","n":[1,2]}""");

        job.State.ShouldBe(JobState.Succeeded);
        JsonDocument.Parse(job.ResultJson!).RootElement.GetProperty("to").GetString().ShouldBe("a@example.com");
    }

    [Fact]
    public async Task TextOnStdout_IsStoredAsAJsonString_AndNoOutput_AsNoResult()
    {
        await using var node = TestNode.Create(b => b
            .AddExecJob("test.text", new ExecHandlerOptions { Command = _scripts.Script("text.sh", "echo 'done: 3 files'") })
            .AddExecJob("test.silent", new ExecHandlerOptions { Command = _scripts.Script("silent.sh", "exit 0") }));
        await node.StartAsync();

        (await RunAsync(node, "test.text", "{}")).ResultJson.ShouldBe("\"done: 3 files\\n\"");
        var silent = await RunAsync(node, "test.silent", "{}");
        silent.State.ShouldBe(JobState.Succeeded);
        silent.ResultJson.ShouldBeNull();
    }

    [Fact]
    public async Task ANonZeroExit_FailsTheAttempt_WithTheExitCodeAndTheLast4KiBOfStderr()
    {
        var script = _scripts.Script("fail.sh", """
            head -c 10000 /dev/zero | tr '\0' 'e' >&2
            echo ' the end' >&2
            exit 3
            """);
        await using var node = await StartAsync("test.fail", new ExecHandlerOptions { Command = script });

        var job = await RunAsync(node, "test.fail", "{}", maxAttempts: 2);

        job.State.ShouldBe(JobState.Dead);
        job.Errors.Count.ShouldBe(2);
        var error = job.Errors[^1];
        error.Type.ShouldBe("Conveyor.Handlers.Exec.ExecFailedException");
        error.Message.ShouldStartWith("exit code 3: eee");
        error.Message.ShouldEndWith("eee the end");
        error.Message.Length.ShouldBe("exit code 3: ".Length + 4096 - 1); // the tail's final newline is trimmed
    }

    [Fact]
    public async Task AnExitWithoutStderr_SaysSo()
    {
        await using var node = await StartAsync("test.quiet", new ExecHandlerOptions { Command = _scripts.Script("quiet.sh", "exit 7") });

        (await RunAsync(node, "test.quiet", "{}")).Errors.ShouldHaveSingleItem().Message.ShouldBe("exit code 7 (nothing on stderr)");
    }

    [Fact]
    public async Task StdoutOf64KiB_IsTheResult_AndOneByteMore_FailsTheAttempt()
    {
        await using var node = TestNode.Create(b => b
            .AddExecJob("test.fits", new ExecHandlerOptions { Command = _scripts.Script("fits.sh", "head -c 65536 /dev/zero | tr '\\0' 'x'") })
            .AddExecJob("test.over", new ExecHandlerOptions { Command = _scripts.Script("over.sh", "head -c 65537 /dev/zero | tr '\\0' 'x'") })
            .AddExecJob("test.flood", new ExecHandlerOptions { Command = _scripts.Script("flood.sh", "exec yes") }));
        await node.StartAsync();

        var fits = await RunAsync(node, "test.fits", "{}");
        fits.State.ShouldBe(JobState.Succeeded);
        JsonSerializer.Deserialize<string>(fits.ResultJson!)!.Length.ShouldBe(65536);

        var over = await RunAsync(node, "test.over", "{}");
        over.State.ShouldBe(JobState.Dead);
        over.Errors.ShouldHaveSingleItem().Message.ShouldStartWith("the program wrote more than 65536 bytes (64 KiB) to stdout");

        // A program that never stops writing is killed once it passes the limit.
        var flood = await RunAsync(node, "test.flood", "{}");
        flood.State.ShouldBe(JobState.Dead);
        flood.Errors.ShouldHaveSingleItem().Message.ShouldBe("the program wrote more than 65536 bytes (64 KiB) to stdout, the most a result may hold; its process tree was killed");
    }

    private string TreeScript(string pids) => _scripts.Script("tree.sh", $"""
        sleep 1000 &
        echo $! > {pids}
        echo $$ >> {pids}
        wait
        """);

    [Fact]
    public async Task TheTimeout_KillsTheWholeProcessTree()
    {
        var pids = _scripts.File("pids");
        await using var node = await StartAsync("test.tree", new ExecHandlerOptions { Command = TreeScript(pids), Timeout = TimeSpan.FromSeconds(1) });

        var job = await RunAsync(node, "test.tree", "{}");

        job.State.ShouldBe(JobState.Dead);
        var error = job.Errors.ShouldHaveSingleItem();
        error.Type.ShouldBe(typeof(TimeoutException).FullName);
        error.Message.ShouldBe("the program ran longer than its timeout of 00:00:01; its process tree was killed");
        await AllEndedAsync(pids);
    }

    [Fact]
    public async Task ACancelledJob_KillsTheWholeProcessTree()
    {
        var pids = _scripts.File("pids");
        await using var node = await StartAsync("test.tree", new ExecHandlerOptions { Command = TreeScript(pids) });
        var id = (await node.Client.EnqueueAsync(new JobRequest("test.tree"))).Id;
        await Eventually.HoldsAsync(() => File.Exists(pids) && File.ReadAllLines(pids).Length == 2, "the script and its child started");

        (await node.Client.CancelAsync(id)).Status.ShouldBe(Conveyor.Storage.JobChangeStatus.Done);

        await AllEndedAsync(pids);
        (await node.WaitAsync(id)).State.ShouldBe(JobState.Cancelled);
        await Eventually.HoldsAsync(() => node.Server.HeldJobs.Values.Sum() == 0, "the handler returned");
    }

    [Fact]
    public async Task AProgramThatExits_LeavingAProcessThatHoldsItsOutput_FailsAfterTheGrace()
    {
        var pids = _scripts.File("pids");
        var script = _scripts.Script("leave.sh", $"""
            sleep 60 &
            echo $! > {pids}
            exit 0
            """);
        await using var node = await StartAsync("test.leave", new ExecHandlerOptions { Command = script });
        try
        {
            var job = await RunAsync(node, "test.leave", "{}");

            job.State.ShouldBe(JobState.Dead);
            job.Errors.ShouldHaveSingleItem().Message.ShouldBe(
                $"'{script}' exited with code 0 but a process it left running still holds its output open after 5 s");
        }
        finally
        {
            foreach (var pid in File.ReadAllLines(pids).Where(l => l.Length > 0))
            {
                try
                {
                    using var left = System.Diagnostics.Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
                    left.Kill();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
        }
    }

    [Theory]
    [InlineData("""{"other":1}""", "argument 1 ('{input}') needs the field 'input', which the job's args do not have")]
    [InlineData("""{"input":{"a":1}}""", "argument 1 ('{input}') needs the field 'input' to be a string, number or boolean, not an object")]
    [InlineData("""{"input":[1]}""", "argument 1 ('{input}') needs the field 'input' to be a string, number or boolean, not an array")]
    [InlineData("""{"input":null}""", "argument 1 ('{input}') needs the field 'input' to be a string, number or boolean, not null")]
    [InlineData("""["input"]""", "argument 1 ('{input}') needs the field 'input', but the job's args are not a JSON object")]
    public async Task APlaceholderWithoutAUsableField_FailsTheJobForGood(string argsJson, string message)
    {
        var ran = _scripts.File("ran");
        await using var node = await StartAsync("test.input", new ExecHandlerOptions { Command = _scripts.Script("input.sh", $"touch {ran}"), Args = ["{input}"] });

        var job = await RunAsync(node, "test.input", argsJson, maxAttempts: 5);

        job.State.ShouldBe(JobState.Dead);
        job.Attempt.ShouldBe(1);
        var error = job.Errors.ShouldHaveSingleItem();
        error.Type.ShouldBe(typeof(PermanentJobFailureException).FullName);
        error.Message.ShouldBe(message);
        File.Exists(ran).ShouldBeFalse();
    }

    [Fact]
    public async Task TheProgram_RunsInItsWorkingDirectory_WithItsEnvironmentAndTheJobs()
    {
        var work = Directory.CreateDirectory(_scripts.File("work")).FullName;
        var script = _scripts.Script("env.sh", """printf '{"pwd":"%s","greeting":"%s","kind":"%s","attempt":%s}' "$(pwd)" "$GREETING" "$CONVEYOR_JOB_KIND" "$CONVEYOR_JOB_ATTEMPT" """);
        await using var node = await StartAsync("test.env", new ExecHandlerOptions
        {
            Command = script,
            WorkingDirectory = work,
            Environment = new Dictionary<string, string> { ["GREETING"] = "hello" },
        });

        var result = JsonDocument.Parse((await RunAsync(node, "test.env", "{}")).ResultJson!).RootElement;

        result.GetProperty("pwd").GetString().ShouldBe(work);
        result.GetProperty("greeting").GetString().ShouldBe("hello");
        result.GetProperty("kind").GetString().ShouldBe("test.env");
        result.GetProperty("attempt").GetInt32().ShouldBe(1);
    }

    [Theory]
    [InlineData("/no/such/program", new string[0], "exec handler 'test.bad': command '/no/such/program' does not exist")]
    [InlineData("bin/tool", new string[0], "exec handler 'test.bad': command 'bin/tool' must be an absolute path or a program name found on PATH")]
    [InlineData("/bin/sh", new[] { "{input" }, "exec handler 'test.bad': argument '{input' has a '{' that is never closed (write '{{' for a literal brace)")]
    [InlineData("/bin/sh", new[] { "a}" }, "exec handler 'test.bad': argument 'a}' has a '}' that closes no placeholder (write '}}' for a literal brace)")]
    [InlineData("/bin/sh", new[] { "{in put}" }, "exec handler 'test.bad': argument '{in put}' has the placeholder '{in put}': a field name is 1-128 characters of A-Z a-z 0-9 _ . : -")]
    public void AddExecJob_RefusesABadHandler_AtOnce(string command, string[] args, string message)
    {
        var builder = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddConveyor(o => o.UseInMemory());

        Should.Throw<ArgumentException>(() => builder.AddExecJob("test.bad", new ExecHandlerOptions { Command = command, Args = args }))
            .Message.ShouldStartWith(message);
    }

    /// <summary>Waits until every process whose id is in <paramref name="pidFile"/> has ended (gone, or a zombie nobody reaped yet).</summary>
    private static Task AllEndedAsync(string pidFile) =>
        Eventually.HoldsAsync(() => File.ReadAllLines(pidFile).Where(l => l.Length > 0).All(pid => Ended(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture))),
            "the script and its child ended", TimeSpan.FromSeconds(10));

    private static bool Ended(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true;
        }
    }
}
