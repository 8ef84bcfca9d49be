using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Conveyor.Postgres.Tests;

/// <summary>The store's own vacuum of the jobs table (<see cref="ISpaceReclaimer"/>), and the leader that calls it.</summary>
public sealed class VacuumTests
{
    /// <summary>
    /// Migrates the schema and turns autovacuum off for its jobs table: its 1 % scale factor lets autovacuum remove
    /// a test's few hundred dead rows before the store counts them, whenever the server's launcher comes by.
    /// </summary>
    private static async Task MigrateWithoutAutovacuumAsync(TempSchema schema, PostgresJobStore store)
    {
        await store.MigrateAsync();
        await schema.ScalarAsync<object>("ALTER TABLE {s}.jobs SET (autovacuum_enabled = false)");
    }

    private static async Task<long> VacuumCountAsync(TempSchema schema) =>
        await schema.ScalarAsync<long>("SELECT pg_stat_get_vacuum_count('{s}.jobs'::regclass)");

    /// <summary>Inserts <paramref name="count"/> jobs, claims them and completes them: two dead row versions each.</summary>
    private static async Task ChurnAsync(PostgresJobStore store, int count)
    {
        var jobs = Enumerable.Range(0, count).Select(_ => Jobs.New()).ToArray();
        await store.InsertAsync(jobs);
        var claimed = await store.ClaimAsync(limit: count);
        claimed.Count.ShouldBe(count);
        await store.CompleteManyAsync(new CompleteJobsParams("node-1",
            [.. claimed.Select(c => new JobCompletion(c.Id, c.Attempt, JobOutcome.Succeeded))], Jobs.T0.AddSeconds(2)));
    }

    /// <summary>A store with the given threshold, after <paramref name="jobs"/> jobs ran, once the server's statistics count their dead rows.</summary>
    private static async Task<PostgresJobStore> StoreWithDeadRowsAsync(TempSchema schema, int threshold, int jobs)
    {
        var store = schema.OpenStore(o => o with { VacuumAfterDeadRows = threshold });
        await MigrateWithoutAutovacuumAsync(schema, store);
        await ChurnAsync(store, jobs);
        await UntilStatisticsCountAsync(schema, jobs);
        return store;
    }

    /// <summary>
    /// Waits until the server's statistics count the two updates each of <paramref name="jobs"/> churned jobs made
    /// (backends report them up to a second late), and with them the dead rows those updates left.
    /// </summary>
    private static Task UntilStatisticsCountAsync(TempSchema schema, int jobs) =>
        schema.UntilCountAsync("SELECT pg_stat_get_tuples_updated('{s}.jobs'::regclass)", 2L * jobs, "updates of the jobs table in the statistics");

    /// <summary>Asks until the store vacuums (its statistics lag the writes by up to a second); false after 30 s.</summary>
    private static async Task<bool> ReclaimWhenDueAsync(PostgresJobStore store)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await store.ReclaimSpaceAsync(new ReclaimSpaceParams()))
                return true;
            await Task.Delay(100);
        }
        return false;
    }

    [Fact]
    public async Task ReclaimSpace_VacuumsOnceTheTableHoldsEnoughDeadRows_AndNotBefore()
    {
        await using var schema = new TempSchema();
        var store = await StoreWithDeadRowsAsync(schema, threshold: 300, jobs: 100); // 200 dead rows: under it

        (await store.ReclaimSpaceAsync(new ReclaimSpaceParams())).ShouldBeFalse();
        (await VacuumCountAsync(schema)).ShouldBe(0);

        await ChurnAsync(store, 100);
        (await ReclaimWhenDueAsync(store)).ShouldBeTrue();

        // The vacuum ran on the jobs table. Whether it could remove the dead rows is not asserted: that depends on the
        // snapshots of every session of the database, and the tests of other classes run beside this one on the same
        // server (a statement of theirs that started before the completions kept all 400 rows, once in CI).
        (await VacuumCountAsync(schema)).ShouldBe(1);
        var counts = (await store.ListQueuesAsync(new ListQueuesParams())).Single().Counts;
        counts[JobState.Succeeded].ShouldBe(200);
    }

    [Fact]
    public async Task ReclaimSpace_AfterAVacuum_WaitsFourTimesItsDuration_ThenVacuumsAgain()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore(o => o with { VacuumAfterDeadRows = 1 });
        await MigrateWithoutAutovacuumAsync(schema, store);
        await schema.ScalarAsync<object>("""
            INSERT INTO {s}.jobs (kind, queue, state, args, max_attempts, run_at, created_at)
            SELECT 'test.job', 'default', 'available', '{}', 3, '2030-01-01Z', '2030-01-01Z' FROM generate_series(1, 200000)
            """);
        // A snapshot older than the deletes: the vacuum cannot remove those rows and reports them still dead, so the
        // store finds a vacuum due again at once, without waiting for the statistics.
        await using var old = await schema.OpenConnectionAsync();
        await using var snapshot = await old.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        await using (var read = new NpgsqlCommand("SELECT 1", old, snapshot))
            await read.ExecuteScalarAsync();
        await schema.ScalarAsync<object>("DELETE FROM {s}.jobs WHERE id % 2 = 0");

        (await store.ReclaimSpaceAsync(new ReclaimSpaceParams(Force: true))).ShouldBeTrue();
        (await schema.ScalarAsync<long>("SELECT pg_stat_get_dead_tuples('{s}.jobs'::regclass)")).ShouldBeGreaterThan(0);

        (await store.ReclaimSpaceAsync(new ReclaimSpaceParams())).ShouldBeFalse("the pause after the last vacuum is not over");
        (await VacuumCountAsync(schema)).ShouldBe(1);

        (await ReclaimWhenDueAsync(store)).ShouldBeTrue();
        (await VacuumCountAsync(schema)).ShouldBe(2);
        await snapshot.RollbackAsync();
    }

    [Fact]
    public async Task ReclaimSpace_IsOff_WhenTheThresholdIsZero()
    {
        await using var schema = new TempSchema();
        var store = await StoreWithDeadRowsAsync(schema, threshold: 0, jobs: 200);

        (await store.ReclaimSpaceAsync(new ReclaimSpaceParams())).ShouldBeFalse();
        (await VacuumCountAsync(schema)).ShouldBe(0);
    }

    [Fact]
    public async Task ReclaimSpace_DoesNothing_WhenTheStoresUserDoesNotOwnTheTable()
    {
        await using var schema = new TempSchema();
        var owner = schema.OpenStore();
        await MigrateWithoutAutovacuumAsync(schema, owner);
        await ChurnAsync(owner, 100);
        var role = "conveyor_reader_" + Guid.NewGuid().ToString("N")[..8];
        await schema.ScalarAsync<object>($"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {{s}} TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA {{s}} TO {role}");
        try
        {
            var asReader = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { Username = role, Password = null }.ConnectionString;
            // Without migrations: that user may not run DDL.
            await using var store = new PostgresJobStore(new PostgresStoreOptions(asReader) { Schema = schema.Name, AutoMigrate = false });

            (await store.ReclaimSpaceAsync(new ReclaimSpaceParams(Force: true))).ShouldBeFalse();
            (await VacuumCountAsync(schema)).ShouldBe(0);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await schema.ScalarAsync<object>($"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    [Fact]
    public void Options_RefuseANegativeThreshold()
    {
        var options = new PostgresStoreOptions(TestServer.ConnectionString) { VacuumAfterDeadRows = -1 };

        Should.Throw<ArgumentOutOfRangeException>(() => new PostgresJobStore(options)).ParamName.ShouldBe(nameof(PostgresStoreOptions.VacuumAfterDeadRows));
    }

    [Fact]
    public async Task ARunningNode_VacuumsTheJobsTable_AsItsLeader()
    {
        await using var schema = new TempSchema();
        var done = 0;
        var services = new ServiceCollection();
        services.AddConveyor(o => o.UsePostgres(schema.Options with { VacuumAfterDeadRows = 100 }))
            .AddJob("test.count", (Counted _) => { Interlocked.Increment(ref done); return Task.CompletedTask; })
            .AddWorker(w => w.Queue("default", 8));
        await using var provider = services.BuildServiceProvider();
        await MigrateWithoutAutovacuumAsync(schema, provider.GetRequiredService<IJobStore>().ShouldBeOfType<PostgresJobStore>());
        var server = provider.GetRequiredService<JobServer>();
        var client = provider.GetRequiredService<JobClient>();
        await server.StartAsync(CancellationToken.None);
        long vacuums;
        try
        {
            await client.EnqueueManyAsync([.. Enumerable.Range(0, 300).Select(i => new JobRequest("test.count", $$"""{"n":{{i}}}"""))]);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while ((Volatile.Read(ref done) < 300 || await VacuumCountAsync(schema) == 0) && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            Volatile.Read(ref done).ShouldBe(300);
            vacuums = await VacuumCountAsync(schema);
            vacuums.ShouldBeGreaterThan(0);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
        // Nothing of the leader runs after its node stopped: every loop of the node has ended, and rows that die
        // now, counted by the statistics as due for a vacuum, get none.
        server.BackgroundTasks.ShouldAllBe(task => task.IsCompleted);
        var store = provider.GetRequiredService<IJobStore>().ShouldBeOfType<PostgresJobStore>();
        var updatedBefore = await schema.ScalarAsync<long>("SELECT pg_stat_get_tuples_updated('{s}.jobs'::regclass)");
        await ChurnAsync(store, 200);
        await schema.UntilCountAsync("SELECT pg_stat_get_tuples_updated('{s}.jobs'::regclass)", updatedBefore + 400, "updates of the jobs table in the statistics");
        (await VacuumCountAsync(schema)).ShouldBe(vacuums);
    }

    private sealed record Counted(int N);
}
