using Conveyor.Cli.Tests.Support;
using Conveyor.Validation;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Conveyor.Cli.Tests;

/// <summary>
/// One table of bad jobs, fed to the three ways in: the C# client, the CLI (a real child process) and the SQL function
/// <c>conveyor.enqueue()</c> on a real PostgreSQL. Each must refuse every row, name the same field (the client in
/// <see cref="JobValidationException.Field"/>, the CLI by the option a person typed, SQL in the error's column name),
/// and store nothing.
/// </summary>
public sealed class ValidationAgreementTests : IAsyncLifetime
{
    private readonly string _schema = $"agree_{Guid.NewGuid():N}"[..20];
    private readonly Workspace _workspace = new();
    private ServiceProvider _services = null!;
    private NpgsqlDataSource _sql = null!;

    private static string ServerConnectionString => Environment.GetEnvironmentVariable("CONVEYOR_TEST_POSTGRES")
        ?? throw new InvalidOperationException("CONVEYOR_TEST_POSTGRES is not set: run the tests through scripts/with-postgres.sh");

    private string Store => $"{ServerConnectionString};Schema={_schema}";

    /// <summary>A bad job in each interface's terms.</summary>
    /// <param name="Field">The field every interface must name, in the contract's spelling.</param>
    /// <param name="CliName">How the CLI names it: the option as typed, or the argument.</param>
    /// <param name="Request">The job for the C# client.</param>
    /// <param name="CliArgs">The same job as <c>conveyor enqueue</c> arguments.</param>
    /// <param name="Sql">The same job as named arguments of <c>enqueue()</c>.</param>
    public sealed record Row(string Field, string CliName, JobRequest Request, string[] CliArgs, Dictionary<string, object> Sql)
    {
        public override string ToString() => $"{Field}: {string.Join(' ', CliArgs)}";
    }

    private static readonly DateTimeOffset FarFuture = new(2300, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<Row> Rows() => new(
        new Row("kind", "kind", new JobRequest("send mail"), ["send mail"], new() { ["kind"] = "send mail" }),
        new Row("kind", "kind", new JobRequest(new string('k', 129)), [new string('k', 129)], new() { ["kind"] = new string('k', 129) }),
        new Row("queue", "--queue", new JobRequest("x", "{}", new JobOptions { Queue = "a/b" }), ["x", "--queue", "a/b"], new() { ["kind"] = "x", ["queue"] = "a/b" }),
        new Row("queue", "--queue", new JobRequest("x", "{}", new JobOptions { Queue = "" }), ["x", "--queue", ""], new() { ["kind"] = "x", ["queue"] = "" }),
        new Row("args", "--args", new JobRequest("x", "42"), ["x", "--args", "42"], new() { ["kind"] = "x", ["args"] = "42" }),
        new Row("args", "--args", new JobRequest("x", "\"text\""), ["x", "--args", "\"text\""], new() { ["kind"] = "x", ["args"] = "\"text\"" }),
        new Row("priority", "--priority", new JobRequest("x", "{}", new JobOptions { Priority = 1001 }), ["x", "--priority", "1001"], new() { ["kind"] = "x", ["priority"] = 1001 }),
        new Row("priority", "--priority", new JobRequest("x", "{}", new JobOptions { Priority = -1001 }), ["x", "--priority", "-1001"], new() { ["kind"] = "x", ["priority"] = -1001 }),
        new Row("maxAttempts", "--max-attempts", new JobRequest("x", "{}", new JobOptions { MaxAttempts = 0 }), ["x", "--max-attempts", "0"], new() { ["kind"] = "x", ["max_attempts"] = 0 }),
        new Row("maxAttempts", "--max-attempts", new JobRequest("x", "{}", new JobOptions { MaxAttempts = 1001 }), ["x", "--max-attempts", "1001"], new() { ["kind"] = "x", ["max_attempts"] = 1001 }),
        new Row("runAt", "--at", new JobRequest("x", "{}", new JobOptions { RunAt = FarFuture }), ["x", "--at", "2300-01-01"], new() { ["kind"] = "x", ["run_at"] = FarFuture }),
        new Row("orderingKey", "--ordering-key", new JobRequest("x", "{}", new JobOptions { OrderingKey = new string('o', 256) }), ["x", "--ordering-key", new string('o', 256)], new() { ["kind"] = "x", ["ordering_key"] = new string('o', 256) }),
        new Row("uniqueKey", "--unique-key", new JobRequest("x", "{}", new JobOptions { UniqueKey = "" }), ["x", "--unique-key", ""], new() { ["kind"] = "x", ["unique_key"] = "" }));

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddConveyor(o => o.UsePostgres(Store));
        _services = services.BuildServiceProvider();
        await _services.GetRequiredService<JobMonitor>().MigrateAsync();
        _sql = NpgsqlDataSource.Create(ServerConnectionString);
    }

    public async Task DisposeAsync()
    {
        await using (var drop = _sql.CreateCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE"))
            await drop.ExecuteNonQueryAsync();
        await _sql.DisposeAsync();
        await _services.DisposeAsync();
        await _workspace.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task EveryInterface_RefusesTheJob_NamingTheSameField(Row row)
    {
        var client = await Should.ThrowAsync<JobValidationException>(() => _services.GetRequiredService<JobClient>().EnqueueAsync(row.Request));
        client.Field.ShouldBe(row.Field, row.ToString());

        var cli = await ConveyorCli.RunAsync(Store, _workspace.Directory, ["enqueue", .. row.CliArgs]);
        cli.ExitCode.ShouldBe(2, cli.ToString());
        cli.ErrorLines.Count.ShouldBe(1, cli.ToString());
        cli.ErrorLines[0].ShouldStartWith($"conveyor: {row.CliName} ", Case.Sensitive, cli.ToString());

        var names = row.Sql.Keys.ToList();
        await using var call = _sql.CreateCommand($"SELECT {_schema}.enqueue({string.Join(", ", names.Select((n, i) => $"{n} => ${i + 1}"))})");
        foreach (var name in names)
        {
            call.Parameters.Add(name == "args"
                ? new NpgsqlParameter { Value = row.Sql[name], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb }
                : new NpgsqlParameter { Value = row.Sql[name] });
        }
        var sql = await Should.ThrowAsync<PostgresException>(() => call.ExecuteScalarAsync());
        sql.SqlState.ShouldBe(PostgresErrorCodes.InvalidParameterValue, sql.MessageText);
        sql.ColumnName.ShouldBe(row.Field, sql.MessageText);

        await using var count = _sql.CreateCommand($"SELECT count(*) FROM {_schema}.jobs");
        ((long)(await count.ExecuteScalarAsync())!).ShouldBe(0);
    }

    [Fact]
    public async Task AnAffinityKey_IsStored_ByTheClientAndTheCli_AndShownInTheJob()
    {
        var client = await _services.GetRequiredService<JobClient>().EnqueueAsync(new JobRequest("x", "{}", new JobOptions { AffinityKey = "tenant-1" }));
        (await _services.GetRequiredService<JobClient>().GetAsync(client.Id))!.AffinityKey.ShouldBe("tenant-1");

        var cli = await ConveyorCli.RunAsync(Store, _workspace.Directory, ["enqueue", "x", "--affinity-key", "tenant-2"]);
        cli.ExitCode.ShouldBe(0, cli.ToString());
        var shown = await ConveyorCli.RunAsync(Store, _workspace.Directory, ["jobs", "show", cli.Stdout.Trim(), "--json"]);
        System.Text.Json.JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("affinityKey").GetString().ShouldBe("tenant-2");

        var tooLong = await ConveyorCli.RunAsync(Store, _workspace.Directory, ["enqueue", "x", "--affinity-key", new string('t', 256)]);
        tooLong.ExitCode.ShouldBe(2, tooLong.ToString());
        tooLong.ErrorLines.ShouldBe(["conveyor: --affinity-key is longer than 255 characters"]);
    }
}
