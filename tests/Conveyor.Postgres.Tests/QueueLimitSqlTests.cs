using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres.Tests;

/// <summary>The queue limits as PostgreSQL alone enforces them: the backlog trigger behind <c>SCHEMA.enqueue(…)</c> and every insert.</summary>
public sealed class QueueLimitSqlTests
{
    /// <summary>A migrated store on <paramref name="schema"/> whose queue <c>smtp</c> holds at most <paramref name="maxBacklog"/> waiting jobs.</summary>
    private static async Task<PostgresJobStore> OpenStoreWithBacklogLimitAsync(TempSchema schema, long maxBacklog)
    {
        var store = schema.OpenStore();
        await store.MigrateAsync();
        await store.SetQueueLimitsAsync(new SetQueueLimitsParams("smtp", new QueueLimits(MaxBacklog: maxBacklog)));
        return store;
    }

    [Fact]
    public async Task SqlEnqueue_IntoAFullQueue_RaisesAClearError_AndStoresNothing()
    {
        await using var schema = new TempSchema();
        var store = await OpenStoreWithBacklogLimitAsync(schema, 1);
        var connection = await schema.OpenConnectionAsync();
        await using (var first = new NpgsqlCommand($"SELECT \"{schema.Name}\".enqueue('mail.send', queue => 'smtp')", connection))
            await first.ExecuteScalarAsync();

        await using var second = new NpgsqlCommand($"SELECT \"{schema.Name}\".enqueue('mail.send', queue => 'smtp')", connection);
        var error = await Should.ThrowAsync<PostgresException>(() => second.ExecuteScalarAsync());

        error.SqlState.ShouldBe("CVQ01");
        error.MessageText.ShouldBe("queue smtp is full: its backlog limit is 1 jobs and it holds 1");
        error.ColumnName.ShouldBe("queue");
        (await store.ListJobsAsync(new ListJobsParams(Queue: "smtp"))).Jobs.Count.ShouldBe(1);
        // Other queues are not held back.
        await using var other = new NpgsqlCommand($"SELECT \"{schema.Name}\".enqueue('mail.send', queue => 'bulk')", connection);
        await other.ExecuteScalarAsync();
    }

    [Fact]
    public async Task InsertInTheCallersTransaction_IntoAFullQueue_ThrowsTheTypedError_AndLeavesTheTransactionUsable()
    {
        await using var schema = new TempSchema();
        var store = await OpenStoreWithBacklogLimitAsync(schema, 1);
        var connection = await schema.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var full = await Should.ThrowAsync<QueueBacklogFullException>(() => store.InsertManyAsync(
            new InsertJobsParams([Jobs.New(queue: "smtp"), Jobs.New(queue: "smtp")], DateTimeOffset.UtcNow, transaction)));

        full.Queue.ShouldBe("smtp");
        full.MaxBacklog.ShouldBe(1);
        await store.InsertManyAsync(new InsertJobsParams([Jobs.New(queue: "smtp")], DateTimeOffset.UtcNow, transaction));
        await transaction.CommitAsync();
        (await store.ListJobsAsync(new ListJobsParams(Queue: "smtp"))).Jobs.Count.ShouldBe(1);
    }

    [Fact]
    public async Task CopyOfALargeBatch_IntoAFullQueue_StoresNoneOfIt()
    {
        await using var schema = new TempSchema();
        var store = await OpenStoreWithBacklogLimitAsync(schema, 1500);
        var jobs = Enumerable.Range(0, PostgresJobStore.CopyThreshold * 2).Select(_ => Jobs.New(queue: "smtp")).ToArray();

        await Should.ThrowAsync<QueueBacklogFullException>(() => store.InsertManyAsync(new InsertJobsParams(jobs, DateTimeOffset.UtcNow)));

        (await store.ListJobsAsync(new ListJobsParams(Queue: "smtp"))).Jobs.ShouldBeEmpty();
    }
}
