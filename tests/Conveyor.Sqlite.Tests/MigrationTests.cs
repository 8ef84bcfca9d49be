using Conveyor.Storage;
using Conveyor.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_RecordsEveryStepInTheVersionTable()
    {
        await using var db = new TempDatabase();
        await db.OpenStore().MigrateAsync();

        var versions = await VersionsAsync(db);

        versions.ShouldBe(SqliteMigrations.All.Select(m => (long)m.Version).ToList());
        versions.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Migrate_CreatesTheTablesAndIndexes()
    {
        await using var db = new TempDatabase();
        await db.OpenStore().MigrateAsync();

        var names = await NamesAsync(db);

        names.ShouldContain("conveyor_jobs");
        names.ShouldContain("conveyor_queues");
        names.ShouldContain("conveyor_nodes");
        names.ShouldContain("conveyor_leader");
        names.ShouldContain("conveyor_jobs_claim");
        names.ShouldContain("conveyor_jobs_ordering");
        names.ShouldContain("conveyor_jobs_unique");
        names.ShouldContain("conveyor_jobs_finished");
        names.ShouldContain("conveyor_jobs_lease");
    }

    [Fact]
    public async Task Migrate_RunAgain_IsANoOpThatKeepsTheData()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        var inserted = await store.InsertManyAsync(Jobs.Insert(Jobs.New()));
        var schemaBefore = await SchemaSqlAsync(db);

        await store.MigrateAsync();
        await db.OpenStore().MigrateAsync();

        (await VersionsAsync(db)).Count.ShouldBe(SqliteMigrations.All.Count);
        (await SchemaSqlAsync(db)).ShouldBe(schemaBefore);
        (await store.GetJobAsync(new(inserted[0].Id))).ShouldNotBeNull();
    }

    [Fact]
    public async Task Migrate_BySeveralStoresAtOnce_AppliesEachStepExactlyOnce()
    {
        await using var db = new TempDatabase();
        var stores = Enumerable.Range(0, 6).Select(_ => db.OpenStore()).ToList();

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync())));

        (await VersionsAsync(db)).ShouldBe(SqliteMigrations.All.Select(m => (long)m.Version).ToList());
        foreach (var store in stores)
            (await store.InsertManyAsync(Jobs.Insert(Jobs.New()))).Count.ShouldBe(1);
    }

    [Fact]
    public async Task FirstOperation_MigratesWhenNobodyCalledMigrate()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();

        var inserted = await store.InsertManyAsync(Jobs.Insert(Jobs.New()));

        inserted[0].Id.ShouldBe(1);
        (await VersionsAsync(db)).Count.ShouldBe(SqliteMigrations.All.Count);
    }

    [Fact]
    public async Task FirstOperations_InParallel_MigrateOnce()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.InsertManyAsync(Jobs.Insert(Jobs.New()))));

        results.Select(r => r[0].Id).Order().ShouldBe([1, 2, 3, 4, 5, 6, 7, 8]);
        (await VersionsAsync(db)).Count.ShouldBe(SqliteMigrations.All.Count);
    }

    [Fact]
    public async Task Migrate_RefusesAFileWithANewerSchema()
    {
        await using var db = new TempDatabase();
        await db.OpenStore().MigrateAsync();
        var connection = db.OpenConnection();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT INTO conveyor_schema_version (version, description) VALUES (9999, 'from the future')";
            command.ExecuteNonQuery();
        }

        var error = await Should.ThrowAsync<InvalidOperationException>(() => db.OpenStore().MigrateAsync());

        error.Message.ShouldContain("9999");
    }

    [Fact]
    public async Task Migrate_UpgradesAVersion1File_KeepingItsJobsAndDependents()
    {
        await using var db = new TempDatabase();
        var connection = db.OpenConnection();
        using (var create = connection.CreateCommand())
        {
            // A file as the first release of the store left it: version 1 only, with a job and a waiting dependent.
            var v1 = SqliteMigrations.All[0];
            const string EmptyArgs = "{}";
            create.CommandText = $"""
                PRAGMA journal_mode = WAL;
                CREATE TABLE conveyor_schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL);
                {v1.Sql}
                INSERT INTO conveyor_schema_version (version, description) VALUES (1, 'v1');
                INSERT INTO conveyor_jobs (kind, queue, state, args, max_attempts, run_at, created_at)
                    VALUES ('{Jobs.Kind}', 'default', 'available', '{EmptyArgs}', 3, 0, 0);
                INSERT INTO conveyor_jobs (kind, queue, state, args, max_attempts, run_at, created_at, after_job_id)
                    VALUES ('{Jobs.Kind}', 'default', 'waiting', '{EmptyArgs}', 3, 0, 0, 1);
                """;
            create.ExecuteNonQuery();
        }

        var store = db.OpenStore();
        await store.MigrateAsync();

        (await VersionsAsync(db)).ShouldBe(SqliteMigrations.All.Select(m => (long)m.Version).ToList());
        var names = await NamesAsync(db);
        names.ShouldContain("conveyor_jobs_waiting");
        names.ShouldNotContain("conveyor_jobs_after");
        (await SchemaSqlAsync(db)).ShouldNotContain("CHECK (state IN");
        var claimed = await store.ClaimAsync(Jobs.Claim("n1", 10));
        claimed.Select(j => j.Id).ShouldBe([1L]);
        await store.CompleteManyAsync(new CompleteJobsParams("n1", [new JobCompletion(1, 1, JobOutcome.Succeeded)], Jobs.T0));
        (await store.GetJobAsync(new(2)))!.State.ShouldBe(JobState.Available);
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        check.ExecuteScalar().ShouldBe("ok");
    }

    private static async Task<List<long>> VersionsAsync(TempDatabase db)
    {
        await using var connection = new SqliteConnection($"Data Source={db.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM conveyor_schema_version ORDER BY version";
        using var reader = command.ExecuteReader();
        var versions = new List<long>();
        while (reader.Read())
            versions.Add(reader.GetInt64(0));
        return versions;
    }

    private static async Task<List<string>> NamesAsync(TempDatabase db)
    {
        await using var connection = new SqliteConnection($"Data Source={db.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
            names.Add(reader.GetString(0));
        return names;
    }

    private static async Task<string> SchemaSqlAsync(TempDatabase db)
    {
        await using var connection = new SqliteConnection($"Data Source={db.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(type || ' ' || name || ' ' || COALESCE(sql, ''), char(10)) FROM (SELECT * FROM sqlite_master ORDER BY name)";
        return (string)command.ExecuteScalar()!;
    }
}
