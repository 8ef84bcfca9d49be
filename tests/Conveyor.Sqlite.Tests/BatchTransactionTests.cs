using Conveyor.Storage;

namespace Conveyor.Sqlite.Tests;

/// <summary>A batch inserted inside the caller's own transaction: all of it at the commit, none of it after a rollback.</summary>
public sealed class BatchTransactionTests
{
    private static InsertBatchParams Batch(System.Data.Common.DbTransaction transaction) =>
        new([Jobs.New(), Jobs.New()], Jobs.New() with { Kind = "test.then" }, null, Jobs.T0, transaction);

    [Fact]
    public async Task InsertBatch_InCallersTransaction_ExistsOnlyAfterCommit_AndVanishesOnRollback()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        var connection = db.OpenConnection();

        InsertedBatch rolledBack;
        using (var transaction = connection.BeginTransaction())
        {
            rolledBack = await store.InsertBatchAsync(Batch(transaction));
            transaction.Rollback();
        }
        (await store.GetBatchAsync(new GetBatchParams(rolledBack.BatchId))).ShouldBeNull();
        (await store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();

        InsertedBatch committed;
        using (var transaction = connection.BeginTransaction())
        {
            committed = await store.InsertBatchAsync(Batch(transaction));
            (await store.GetBatchAsync(new GetBatchParams(committed.BatchId))).ShouldBeNull("not visible before the caller commits");
            transaction.Commit();
        }
        var batch = await store.GetBatchAsync(new GetBatchParams(committed.BatchId));
        batch.ShouldNotBeNull();
        batch.Total.ShouldBe(2);
        batch.Remaining.ShouldBe(2);
        batch.CallbackState.ShouldBe(JobState.Waiting);
        (await store.ClaimAsync(Jobs.Claim("node-1", 10))).Select(c => c.Id).ShouldBe(committed.ChildIds);
    }

    [Fact]
    public async Task ABatchChildFinishedByAnotherConnection_CountsOff_AsTheTriggerIsInTheFile()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var inserted = await store.InsertBatchAsync(new InsertBatchParams([Jobs.New()], Jobs.New() with { Kind = "test.then" }, null, Jobs.T0));

        // Any writer of the file (another process, an older Conveyor, a person with sqlite3) runs the trigger too.
        using (var command = db.OpenConnection().CreateCommand())
        {
            command.CommandText = "UPDATE conveyor_jobs SET state = 'cancelled' WHERE batch_id = $batch";
            command.Parameters.AddWithValue("$batch", inserted.BatchId);
            command.ExecuteNonQuery().ShouldBe(1);
        }

        var batch = await store.GetBatchAsync(new GetBatchParams(inserted.BatchId));
        batch!.Remaining.ShouldBe(0);
        batch.CallbackState.ShouldBe(JobState.Available);
    }

    [Fact]
    public async Task TheCountingTriggers_ExistOnlyWhileABatchIsOpen()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        bool Present()
        {
            using var session = new Connections.SqliteSession(db.OpenConnection());
            return Jobs.BatchTriggersPresent(session);
        }
        Present().ShouldBeFalse("no batch, no trigger: every job's update would pay for it");

        var batch = await store.InsertBatchAsync(new InsertBatchParams([Jobs.New()], Jobs.New() with { Kind = "test.then" }, null, Jobs.T0));
        Present().ShouldBeTrue();
        await store.PromoteDueJobsAsync(new PromoteDueJobsParams(Jobs.T0));
        Present().ShouldBeTrue("the batch is open");

        var child = (await store.ClaimAsync(Jobs.Claim("node-1", 1))).Single();
        await store.CompleteManyAsync(new CompleteJobsParams("node-1", [new JobCompletion(child.Id, child.Attempt, JobOutcome.Succeeded)], Jobs.T0));
        (await store.GetJobAsync(new GetJobParams(batch.CallbackJobId)))!.State.ShouldBe(JobState.Available);
        await store.PromoteDueJobsAsync(new PromoteDueJobsParams(Jobs.T0));
        Present().ShouldBeFalse("no batch is open any more");

        var next = await store.InsertBatchAsync(new InsertBatchParams([Jobs.New()], Jobs.New() with { Kind = "test.then" }, null, Jobs.T0));
        Present().ShouldBeTrue();
        (await store.CancelJobAsync(new JobIdParams(next.ChildIds[0], Jobs.T0))).Status.ShouldBe(JobChangeStatus.Done);
        (await store.GetJobAsync(new GetJobParams(next.CallbackJobId)))!.State.ShouldBe(JobState.Available);
    }
}
