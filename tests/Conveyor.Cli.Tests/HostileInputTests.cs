using System.Diagnostics;
using System.Text;
using Conveyor.Cli.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Conveyor.Cli.Tests;

/// <summary>
/// Hostile input to the real program (a child process): malformed and wrong-typed options, invalid names, control
/// characters, very long strings, bytes that are not UTF-8 on stdin. Each answers exit 2 with one clear line on stderr that
/// carries no control character to the terminal, or succeeds and stores exactly what was given; a refusal stores nothing.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    public static TheoryData<string, string[], string> Refused() => new()
    {
        { "unclosed JSON", ["enqueue", "conveyor.noop", "--args", "{\"a\":"], "--args is not valid JSON" },
        { "trailing comma", ["enqueue", "conveyor.noop", "--args", "[1,]"], "--args is not valid JSON" },
        { "a number as args", ["enqueue", "conveyor.noop", "--args", "42"], "--args must be a JSON object or array" },
        { "two documents", ["enqueue", "conveyor.noop", "--args", "{}{}"], "one JSON document" },
        { "NUL escape", ["enqueue", "conveyor.noop", "--args", "{\"a\":\"\\u0000\"}"], "NUL" },
        { "lone surrogate escape", ["enqueue", "conveyor.noop", "--args", "{\"a\":\"\\ud800\"}"], "surrogate" },
        { "priority not a number", ["enqueue", "conveyor.noop", "--priority", "abc"], "--priority must be a whole number" },
        { "priority as a float", ["enqueue", "conveyor.noop", "--priority", "1e3"], "--priority must be a whole number" },
        { "attempts beyond int", ["enqueue", "conveyor.noop", "--max-attempts", "99999999999999"], "--max-attempts" },
        { "a delay without a unit", ["enqueue", "conveyor.noop", "--delay", "5x"], "--delay" },
        { "after not an id", ["enqueue", "conveyor.noop", "--after", "abc"], "--after" },
        { "a space in the kind", ["enqueue", "bad kind"], "kind 'bad kind' has the character ' '" },
        { "an escape sequence in the kind", ["enqueue", "bad\u001b[2Jkind"], "kind 'bad\\u001B[2Jkind' has the character U+001B" },
        { "a bell in the queue", ["enqueue", "conveyor.noop", "--queue", "q\u0007"], "--queue has the character U+0007" },
        { "a tab in the queue", ["enqueue", "conveyor.noop", "--queue", "a\tb"], "U+0009" },
        { "a kind of 100,000 characters", ["enqueue", new string('k', 100_000)], "longer than 128 characters" },
        { "an ordering key of 300 characters", ["enqueue", "conveyor.noop", "--ordering-key", new string('o', 300)], "--ordering-key is longer than 255" },
        { "an empty unique key", ["enqueue", "conveyor.noop", "--unique-key", ""], "--unique-key must not be empty" },
        { "SQL in the queue", ["enqueue", "conveyor.noop", "--queue", "q'; DROP TABLE conveyor_jobs; --"], "--queue has the character" },
        { "SQL in a listed state", ["jobs", "list", "--state", "running' OR '1'='1"], "--state" },
        { "SQL as a job id", ["jobs", "show", "1 OR 1=1"], "bad job id '1 OR 1=1'" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Hostile_options_exit_2_with_one_clean_line_and_store_nothing(string what, string[] args, string expected)
    {
        await _workspace.OkAsync("migrate");

        var result = await _workspace.RunAsync(args);

        result.ExitCode.ShouldBe(2, $"{what}: {result}");
        result.ErrorLines.Count.ShouldBe(1, $"{what}: {result}");
        result.ErrorLines[0].ShouldStartWith("conveyor: ");
        result.ErrorLines[0].ShouldContain(expected, Case.Sensitive, $"{what}: {result}");
        result.Stderr.ShouldNotContain(c => char.IsControl(c) && c != '\n', $"{what}: stderr must not carry control characters");
        (await CountJobsAsync()).ShouldBe(0, what);
    }

    [Fact]
    public async Task Sql_metacharacters_control_characters_and_long_text_are_stored_verbatim_and_run()
    {
        const string Hostile = "'; DROP TABLE conveyor_jobs; -- \" OR 1=1 -- %_\\ \u0001\u0007\u001b[2J 😀 naïve";
        var args = System.Text.Json.JsonSerializer.Serialize(new { text = Hostile, padding = new string('p', 100_000) });
        await _workspace.StartWorkerAsync();

        var id = await _workspace.EnqueueAsync("conveyor.echo", "--args", args, "--ordering-key", Hostile, "--unique-key", Hostile + "u");
        var wait = await _workspace.RunAsync("jobs", "wait", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--timeout", "60s");

        wait.ExitCode.ShouldBe(0, wait.ToString());
        var job = await _workspace.JobAsync(id);
        job.GetProperty("state").GetString().ShouldBe("succeeded");
        job.GetProperty("orderingKey").GetString().ShouldBe(Hostile);
        job.GetProperty("uniqueKey").GetString().ShouldBe(Hostile + "u");
        job.GetProperty("args").GetProperty("text").GetString().ShouldBe(Hostile);
        job.GetProperty("result").GetProperty("text").GetString().ShouldBe(Hostile);
        job.GetProperty("result").GetProperty("padding").GetString()!.Length.ShouldBe(100_000);
        (await _workspace.AllJobsAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_on_stdin_exit_2_and_store_nothing_even_after_good_lines()
    {
        await _workspace.OkAsync("migrate");
        byte[] input = [.. "{\"n\":1}\n{\"n\":2}\n{\"text\":\""u8, 0xFF, 0xFE, .. "\"}\n{\"n\":4}\n"u8];

        var result = await RunWithBytesAsync(input, "enqueue", "conveyor.noop", "--from", "-");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.Single().ShouldStartWith("conveyor: standard input is not UTF-8 text");
        result.Stdout.ShouldBeEmpty();
        (await CountJobsAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task A_file_with_one_bad_line_among_good_ones_exits_2_naming_the_line_and_stores_nothing()
    {
        await _workspace.OkAsync("migrate");
        var file = _workspace.WriteFile("jobs.jsonl", "{\"n\":1}\n[\"two\"]\n{\"n\":3,}\n{\"n\":4}\n");

        var result = await _workspace.RunAsync("enqueue", "conveyor.noop", "--from", file);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.ErrorLines.Single().ShouldContain("line 3");
        (await CountJobsAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task An_older_program_on_a_newer_sqlite_schema_exits_1_with_one_clear_line()
    {
        await _workspace.OkAsync("migrate");
        await using (var connection = new SqliteConnection($"Data Source={_workspace.StorePath}"))
        {
            await connection.OpenAsync();
            await using var bump = connection.CreateCommand();
            bump.CommandText = "INSERT INTO conveyor_schema_version (version, description) VALUES (9999, 'from a newer Conveyor')";
            await bump.ExecuteNonQueryAsync();
        }

        foreach (var command in NewerSchemaCommands)
        {
            var result = await _workspace.RunAsync(command);
            result.ExitCode.ShouldBe(1, $"{string.Join(' ', command)}: {result}");
            result.ErrorLines.ShouldContain(
                line => line.StartsWith("conveyor: ", StringComparison.Ordinal) && line.Contains("schema version 9999, newer than this Conveyor understands", StringComparison.Ordinal),
                $"{string.Join(' ', command)}: {result}");
        }
    }

    [Fact]
    public async Task An_older_program_on_a_newer_postgres_schema_exits_1_with_one_clear_line()
    {
        var server = Environment.GetEnvironmentVariable("CONVEYOR_TEST_POSTGRES")
            ?? throw new InvalidOperationException("CONVEYOR_TEST_POSTGRES is not set: run the tests through scripts/with-postgres.sh");
        var schema = $"newer_{Guid.NewGuid():N}"[..20];
        var store = $"{server};Schema={schema}";
        await using var sql = NpgsqlDataSource.Create(server);
        try
        {
            (await ConveyorCli.RunAsync(store, _workspace.Directory, ["migrate"])).ExitCode.ShouldBe(0);
            await using (var bump = sql.CreateCommand($"INSERT INTO {schema}.schema_version (version, description) VALUES (9999, 'from a newer Conveyor')"))
                await bump.ExecuteNonQueryAsync();

            foreach (var command in NewerSchemaCommands)
            {
                var result = await ConveyorCli.RunAsync(store, _workspace.Directory, command);
                result.ExitCode.ShouldBe(1, $"{string.Join(' ', command)}: {result}");
                result.ErrorLines.ShouldContain(
                    line => line.StartsWith("conveyor: ", StringComparison.Ordinal) && line.Contains("schema version 9999, newer than this Conveyor understands", StringComparison.Ordinal),
                    $"{string.Join(' ', command)}: {result}");
            }
        }
        finally
        {
            await using var drop = sql.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Jobs in the workspace's file, counted by SQLite itself (no second program run).</summary>
    private async Task<long> CountJobsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_workspace.StorePath};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM conveyor_jobs";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static readonly string[][] NewerSchemaCommands = [["enqueue", "conveyor.noop"], ["jobs", "list"], ["migrate"], ["worker"]];

    /// <summary>Runs the program with <paramref name="stdin"/> written as raw bytes (not through a text encoder).</summary>
    private async Task<CliResult> RunWithBytesAsync(byte[] stdin, params string[] args)
    {
        using var process = Process.Start(ConveyorCli.StartInfo(_workspace.Store, _workspace.Directory, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(ConveyorCli.CommandTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
