using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres.Tests;

/// <summary><c>SCHEMA.enqueue(…)</c>: the SQL entry point for programs in other languages.</summary>
public sealed class SqlEnqueueTests
{
    private static async Task<long> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, string arguments)
    {
        await using var command = new NpgsqlCommand($"SELECT \"{schema}\".enqueue({arguments})", connection, transaction);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Enqueue_InACommittedTransaction_CreatesAnAvailableJob()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();

        long id;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            id = await EnqueueAsync(connection, transaction, schema.Name, "'mail.send', '{\"to\":\"a@example.com\"}', queue => 'smtp', priority => 5, ordering_key => 'o-1'");
            await transaction.CommitAsync();
        }

        var job = (await store.GetJobAsync(new GetJobParams(id))).ShouldNotBeNull();
        job.Kind.ShouldBe("mail.send");
        job.Queue.ShouldBe("smtp");
        job.State.ShouldBe(JobState.Available);
        job.Priority.ShouldBe(5);
        job.MaxAttempts.ShouldBe(ConveyorOptions.DefaultMaxAttemptsValue);
        job.OrderingKey.ShouldBe("o-1");
        job.ArgsJson.ShouldContain("a@example.com");
        var claimed = await store.ClaimAsync(new ClaimJobsParams("n", "smtp", ["mail.send"], 10, DateTimeOffset.UtcNow.AddSeconds(1), DateTimeOffset.UtcNow.AddSeconds(31)));
        claimed.Select(c => c.Id).ShouldBe([id]);
    }

    [Fact]
    public async Task Enqueue_InARolledBackTransaction_LeavesNothing()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await EnqueueAsync(connection, transaction, schema.Name, "'report.build'");
            await transaction.RollbackAsync();
        }

        (await store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();
    }

    [Fact]
    public async Task Enqueue_WithAUniqueKey_ReturnsTheJobThatHoldsIt_AlsoAcrossCSharpAndSql()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();

        var first = await EnqueueAsync(connection, null, schema.Name, "'report.build', unique_key => 'daily'");
        var second = await EnqueueAsync(connection, null, schema.Name, "'report.build', '{\"other\":1}', unique_key => 'daily'");
        var fromCSharp = await store.InsertManyAsync(new InsertJobsParams([Jobs.New(kind: "report.build", uniqueKey: "daily")], DateTimeOffset.UtcNow));
        var csharpKey = await store.InsertManyAsync(new InsertJobsParams([Jobs.New(uniqueKey: "from-csharp")], DateTimeOffset.UtcNow));
        var sqlAgain = await EnqueueAsync(connection, null, schema.Name, "'test.job', unique_key => 'from-csharp'");

        second.ShouldBe(first);
        fromCSharp.ShouldBe([new InsertedJob(first, Existing: true)]);
        sqlAgain.ShouldBe(csharpKey[0].Id);
        (await store.ListJobsAsync(new ListJobsParams())).Jobs.Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("'bad kind'", "kind")]
    [InlineData("''", "kind")]
    [InlineData("'ok', queue => 'no/slash'", "queue")]
    [InlineData("'ok', '\"text\"'", "args")]
    [InlineData("'ok', priority => 5000", "priority")]
    [InlineData("'ok', max_attempts => 0", "max_attempts")]
    [InlineData("'ok', run_at => 'infinity'", "run_at")]
    [InlineData("'ok', run_at => now() + interval '200 years'", "run_at")]
    public async Task Enqueue_RejectsBadInput_AndStoresNothing(string arguments, string field)
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();

        var error = await Should.ThrowAsync<PostgresException>(() => EnqueueAsync(connection, null, schema.Name, arguments));

        error.SqlState.ShouldBe(PostgresErrorCodes.InvalidParameterValue);
        error.MessageText.ShouldContain(field);
        (await store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();
    }

    [Fact]
    public async Task Enqueue_WithALaterRunAt_IsScheduled()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();

        var id = await EnqueueAsync(connection, null, schema.Name, "'later.job', run_at => now() + interval '1 hour'");

        (await store.GetJobAsync(new GetJobParams(id))).ShouldNotBeNull().State.ShouldBe(JobState.Scheduled);
    }

    [Fact]
    public async Task Enqueue_WakesListeningNodes_WhenTheTransactionCommits()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await store.Notifier!.SubscribeAsync(q => { if (q == "sql-queue") woken.TrySetResult(); });
        var connection = await schema.OpenConnectionAsync();

        await EnqueueAsync(connection, null, schema.Name, "'test.job', queue => 'sql-queue'");

        await woken.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
