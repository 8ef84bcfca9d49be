using Conveyor.Sqlite;
using Conveyor.Storage;

namespace Conveyor.StoreConformance;

/// <summary>The conformance suite against <see cref="SqliteJobStore"/>: a fresh file per test, a second store on the same file as the "other process".</summary>
public sealed class SqliteStoreConformanceTests : StoreConformanceTests, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "conveyor-sqlite-conformance-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "conveyor.db");

    /// <inheritdoc />
    protected override async Task<IJobStore> CreateStoreAsync()
    {
        var store = new SqliteJobStore(DatabasePath);
        await store.MigrateAsync();
        return store;
    }

    /// <inheritdoc />
    protected override async Task<IJobStore> OpenSecondInstanceAsync()
    {
        var store = new SqliteJobStore(DatabasePath);
        await store.MigrateAsync();
        return store;
    }

    // Re-implements the interface so the files go once every instance on them is closed.
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
