using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Postgres.Tests;

/// <summary>A batch enqueued inside the caller's own transaction: all of it at the commit, none of it after a rollback.</summary>
public sealed class BatchTransactionTests
{
    [Fact]
    public async Task EnqueueBatch_InCallersTransaction_ExistsOnlyAfterCommit_AndVanishesOnRollback()
    {
        await using var schema = new TempSchema();
        var services = new ServiceCollection();
        services.AddConveyor(o => o.UsePostgres(schema.Options));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<JobClient>();
        var connection = await schema.OpenConnectionAsync();
        JobRequest[] children = [new("test.job", """{"n":1}"""), new("test.job", """{"n":2}""")];

        BatchEnqueueResult rolledBack;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            rolledBack = await client.EnqueueBatchAsync(transaction, children, new JobRequest("test.then"));
            await transaction.RollbackAsync();
        }
        (await client.GetBatchAsync(rolledBack.BatchId)).ShouldBeNull();
        (await client.ListAsync(new JobQuery())).Jobs.ShouldBeEmpty();

        BatchEnqueueResult committed;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            committed = await client.EnqueueBatchAsync(transaction, children, new JobRequest("test.then"));
            (await client.GetBatchAsync(committed.BatchId)).ShouldBeNull("not visible before the caller commits");
            await transaction.CommitAsync();
        }
        var batch = await client.GetBatchAsync(committed.BatchId);
        batch.ShouldNotBeNull();
        batch.Total.ShouldBe(2);
        batch.Counts[JobState.Available].ShouldBe(2);
        batch.CallbackState.ShouldBe(JobState.Waiting);
        (await client.GetAsync(committed.ChildIds[1]))!.BatchId.ShouldBe(committed.BatchId);
    }
}
