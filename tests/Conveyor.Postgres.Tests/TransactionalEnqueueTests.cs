using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Postgres.Tests;

public sealed class TransactionalEnqueueTests
{
    [Fact]
    public async Task CommittedTransaction_KeepsTheJobs_AndWakesNodes()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await schema.OpenStore().Notifier!.SubscribeAsync(q => { if (q == "tx") woken.TrySetResult(); });
        var connection = await schema.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var inserted = await store.InsertManyAsync(new InsertJobsParams([Jobs.New("tx"), Jobs.New("tx", orderingKey: "k")], Jobs.T0, transaction));
        (await store.GetJobAsync(new GetJobParams(inserted[0].Id))).ShouldBeNull();
        await transaction.CommitAsync();

        (await store.GetJobAsync(new GetJobParams(inserted[0].Id))).ShouldNotBeNull().State.ShouldBe(JobState.Available);
        (await store.GetJobAsync(new GetJobParams(inserted[1].Id))).ShouldNotBeNull();
        await woken.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task RolledBackTransaction_LeavesNoJob()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await store.InsertManyAsync(new InsertJobsParams([Jobs.New(), Jobs.New(uniqueKey: "u")], Jobs.T0, transaction));
            await transaction.RollbackAsync();
        }

        (await store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();
        // The unique key was never taken.
        (await store.InsertAsync(Jobs.New(uniqueKey: "u")))[0].Existing.ShouldBeFalse();
    }

    [Fact]
    public async Task FailedInsert_LeavesTheCallersTransactionUsable()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var kept = await store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, transaction));

        await Should.ThrowAsync<JobNotFoundException>(() =>
            store.InsertManyAsync(new InsertJobsParams([Jobs.New(), Jobs.New(after: 987_654_321)], Jobs.T0, transaction)));
        // args jsonb refuses (a NUL character): a server-side error, rolled back to the store's savepoint.
        await Should.ThrowAsync<Npgsql.PostgresException>(() =>
            store.InsertManyAsync(new InsertJobsParams([Jobs.New(args: """{"a":"\u0000"}""")], Jobs.T0, transaction)));
        var after = await store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, transaction));
        await transaction.CommitAsync();

        (await store.ListJobsAsync(new ListJobsParams())).Jobs.Select(j => j.Id).ShouldBe([after[0].Id, kept[0].Id]);
    }

    [Fact]
    public async Task JobClient_EnqueuesInsideTheCallersTransaction()
    {
        await using var schema = new TempSchema();
        var services = new ServiceCollection();
        services.AddConveyor(o => o.UsePostgres(schema.Options));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<JobClient>();
        var connection = await schema.OpenConnectionAsync();

        long committed;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            committed = (await client.EnqueueAsync(transaction, new JobRequest("test.job", """{"n":1}"""))).Id;
            await transaction.CommitAsync();
        }
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await client.EnqueueAsync(transaction, new JobRequest("test.job", """{"n":2}"""));
            await transaction.RollbackAsync();
        }

        var store = provider.GetRequiredService<IJobStore>();
        (await store.ListJobsAsync(new ListJobsParams())).Jobs.Select(j => j.Id).ShouldBe([committed]);
    }

    [Fact]
    public async Task ATransactionOfAnotherProvider_IsRefused()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await using var other = new ForeignTransaction();

        var error = await Should.ThrowAsync<ArgumentException>(() => store.InsertManyAsync(new InsertJobsParams([Jobs.New()], Jobs.T0, other)));

        error.Message.ShouldContain("NpgsqlTransaction");
    }

    private sealed class ForeignTransaction : System.Data.Common.DbTransaction
    {
        public override System.Data.IsolationLevel IsolationLevel => System.Data.IsolationLevel.ReadCommitted;
        protected override System.Data.Common.DbConnection? DbConnection => null;
        public override void Commit() { }
        public override void Rollback() { }
    }
}
