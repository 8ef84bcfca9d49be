using System.Data;
using System.Data.Common;
using Conveyor.Storage;

namespace Conveyor.Sqlite.Tests;

public sealed class TransactionalEnqueueTests
{
    [Fact]
    public async Task Insert_InCallersTransaction_ExistsOnlyAfterCommit()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        var connection = db.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY)";
            command.ExecuteNonQuery();
        }

        var inserted = await store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, transaction));

        (await store.GetJobAsync(new(inserted[0].Id))).ShouldBeNull("not visible before the caller commits");
        transaction.Commit();
        var job = await store.GetJobAsync(new(inserted[0].Id));
        job.ShouldNotBeNull();
        job.State.ShouldBe(JobState.Available);
        (await store.ClaimAsync(Jobs.Claim("node-1", 10))).Select(c => c.Id).ShouldBe([inserted[0].Id]);
    }

    [Fact]
    public async Task Insert_InCallersTransaction_VanishesOnRollback()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        var connection = db.OpenConnection();
        long id;
        using (var transaction = connection.BeginTransaction())
        {
            id = (await store.InsertManyAsync(new InsertJobsParams([Jobs.New(), Jobs.New()], Jobs.T0, transaction)))[0].Id;
            transaction.Rollback();
        }

        (await store.GetJobAsync(new(id))).ShouldBeNull();
        (await store.ClaimAsync(Jobs.Claim("node-1", 10))).ShouldBeEmpty();
        (await store.InsertManyAsync(Jobs.Insert(Jobs.New())))[0].Id.ShouldBe(id, "the rolled-back ids are free again");
    }

    [Fact]
    public async Task Insert_InCallersTransaction_OnAFileNobodyMigrated_CreatesTheSchemaInThatTransaction()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var connection = db.OpenConnection();
        using var transaction = connection.BeginTransaction();

        var inserted = await store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, transaction));
        transaction.Commit();

        (await store.GetJobAsync(new(inserted[0].Id))).ShouldNotBeNull();
    }

    [Fact]
    public async Task Insert_InCallersTransaction_ThatRollsBackTheSchema_LeavesTheStoreUsable()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var connection = db.OpenConnection();
        using (var transaction = connection.BeginTransaction())
        {
            await store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, transaction));
            transaction.Rollback();
        }

        var inserted = await store.InsertManyAsync(Jobs.Insert(Jobs.New()));

        (await store.GetJobAsync(new(inserted[0].Id))).ShouldNotBeNull();
    }

    [Fact]
    public async Task Insert_WithAnotherProvidersTransaction_IsRejected()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();

        var error = await Should.ThrowAsync<ArgumentException>(() =>
            store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, new ForeignTransaction())));

        error.Message.ShouldContain("SqliteTransaction");
    }

    [Fact]
    public async Task Insert_WithATransactionOnAnotherFile_IsRejected()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var other = db.OpenConnection(Path.Combine(Path.GetDirectoryName(db.Path)!, "other.db"));
        using var transaction = other.BeginTransaction();

        var error = await Should.ThrowAsync<ArgumentException>(() =>
            store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, transaction)));

        error.Message.ShouldContain("other.db");
    }

    [Fact]
    public async Task Insert_WithAFinishedTransaction_IsRejected()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var connection = db.OpenConnection();
        var transaction = connection.BeginTransaction();
        transaction.Commit();

        await Should.ThrowAsync<ArgumentException>(() =>
            store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, transaction)));
    }

    [Fact]
    public async Task Insert_InCallersTransaction_WithAMissingDependency_FailsAndLeavesTheTransactionUsable()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        var connection = db.OpenConnection();
        using var transaction = connection.BeginTransaction();

        await Should.ThrowAsync<JobNotFoundException>(() =>
            store.InsertManyAsync(new InsertJobsParams([Jobs.New(), Jobs.New(after: 404)], Jobs.T0, transaction)));

        transaction.Commit();
        (await store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty("nothing of the failed call may stay in the caller's transaction");
    }

    private sealed class ForeignTransaction : DbTransaction
    {
        public override IsolationLevel IsolationLevel => IsolationLevel.Serializable;

        protected override DbConnection? DbConnection => null;

        public override void Commit()
        {
        }

        public override void Rollback()
        {
        }
    }
}
