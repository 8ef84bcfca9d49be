using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_FromSeveralStoresAtOnce_AppliesEachStepOnce()
    {
        await using var schema = new TempSchema();
        var stores = Enumerable.Range(0, 6).Select(_ => schema.OpenStore()).ToList();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var migrations = stores.Select(store => Task.Run(async () =>
        {
            await start.Task;
            await store.MigrateAsync();
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(migrations).WaitAsync(TimeSpan.FromSeconds(60));

        (await schema.ScalarAsync<long>("SELECT count(*) FROM {s}.schema_version")).ShouldBe(Schema.PostgresMigrations.All.Count);
        (await schema.ScalarAsync<int>("SELECT max(version) FROM {s}.schema_version")).ShouldBe(Schema.PostgresMigrations.LatestVersion);
        var inserted = await stores[3].InsertAsync(Jobs.New());
        (await stores[5].GetJobAsync(new GetJobParams(inserted[0].Id))).ShouldNotBeNull();
    }

    [Fact]
    public async Task FirstOperation_CreatesTheSchema_WhenNobodyMigrated()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();

        var inserted = await store.InsertAsync(Jobs.New());

        (await store.GetJobAsync(new GetJobParams(inserted[0].Id))).ShouldNotBeNull();
        (await schema.ScalarAsync<string>("SELECT description FROM {s}.schema_version WHERE version = 1")).ShouldNotBeNull();
    }

    [Fact]
    public async Task Migrate_RefusesASchemaNewerThanThisCode()
    {
        await using var schema = new TempSchema();
        await schema.OpenStore().MigrateAsync();
        await schema.ScalarAsync<object>("INSERT INTO {s}.schema_version (version, description) VALUES (999, 'from the future')");

        var error = await Should.ThrowAsync<InvalidOperationException>(() => schema.OpenStore().MigrateAsync());

        error.Message.ShouldContain("999");
    }

    [Fact]
    public async Task AllObjects_LiveInTheConfiguredSchema()
    {
        await using var schema = new TempSchema();
        await schema.OpenStore().MigrateAsync();

        var tables = await schema.ScalarAsync<string[]>(
            $"SELECT array_agg(table_name::text ORDER BY table_name) FROM information_schema.tables WHERE table_schema = '{schema.Name}'");
        tables.ShouldBe(["batches", "cron", "jobs", "leader", "nodes", "queue_starts", "queues", "schema_version"]);
        (await schema.ScalarAsync<long>($"SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '{schema.Name}' AND p.proname = 'enqueue'")).ShouldBe(1);
        (await schema.ScalarAsync<long>($"SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '{schema.Name}' AND p.proname = 'batch_child_changed'")).ShouldBe(1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("a-b")]
    [InlineData("a\"b")]
    [InlineData("pg_jobs")]
    [InlineData("this_schema_name_is_much_too_long_for_conveyor_xyz")]
    public void Options_RejectInvalidSchemaNames(string name)
    {
        var options = new PostgresStoreOptions(TestServer.ConnectionString) { Schema = name };

        Should.Throw<ArgumentException>(() => new PostgresJobStore(options));
    }

    [Fact]
    public async Task Options_KeepTheSchemaNamesCase()
    {
        await using var schema = new TempSchema();
        var mixed = "Mixed_" + schema.Name;
        await using (var store = new PostgresJobStore(schema.Options with { Schema = mixed }))
        {
            await store.MigrateAsync();
            (await store.InsertAsync(Jobs.New())).Count.ShouldBe(1);
        }
        await using var connection = new NpgsqlConnection(TestServer.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA \"{mixed}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
