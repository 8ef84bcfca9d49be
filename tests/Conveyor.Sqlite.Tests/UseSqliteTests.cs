namespace Conveyor.Sqlite.Tests;

public sealed class UseSqliteTests
{
    [Fact]
    public async Task UseSqlite_PlugsASqliteStoreOnThatFileIn()
    {
        await using var db = new TempDatabase();
        var options = new ConveyorOptions().UseSqlite(db.Path);

        await using var store = (SqliteJobStore)options.StoreFactory!(EmptyServices.Instance);

        store.DatabasePath.ShouldBe(Path.GetFullPath(db.Path));
        store.Options.BusyTimeout.ShouldBe(SqliteStoreOptions.DefaultBusyTimeout);
        store.Options.Synchronous.ShouldBe(SqliteSynchronousMode.Full);
    }

    [Fact]
    public void UseSqlite_WithBadOptions_FailsAtOnce()
    {
        Should.Throw<ArgumentOutOfRangeException>(() =>
            new ConveyorOptions().UseSqlite(new SqliteStoreOptions("x.db") { BusyTimeout = TimeSpan.FromSeconds(-1) }));
        Should.Throw<ArgumentException>(() => new ConveyorOptions().UseSqlite(" "));
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
