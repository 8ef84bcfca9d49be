using Conveyor.Sqlite.Connections;

namespace Conveyor.Sqlite.Tests;

public sealed class ConnectionTests
{
    [Fact]
    public async Task Store_PutsTheFileInWalMode()
    {
        await using var db = new TempDatabase();
        await db.OpenStore().MigrateAsync();
        var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        command.ExecuteScalar().ShouldBe("wal");
    }

    // SQLite itself never flushes at a commit (NORMAL): in Full mode the writer's WalFlusher flushes the WAL
    // after the commit, outside the write lock, and reports the operations only then (see WriterTests).
    [Theory]
    [InlineData(SqliteSynchronousMode.Full)]
    [InlineData(SqliteSynchronousMode.Normal)]
    public async Task Connections_CommitWithoutFlushing_AndUseTheConfiguredBusyTimeout(SqliteSynchronousMode mode)
    {
        await using var db = new TempDatabase();
        var options = new SqliteStoreOptions(db.Path) { Synchronous = mode, BusyTimeout = TimeSpan.FromMilliseconds(1234) };
        using var connection = new SqliteConnectionFactory(options).OpenWriter();

        Pragma(connection, "synchronous").ShouldBe(1L);
        Pragma(connection, "busy_timeout").ShouldBe(1234L);
        Pragma(connection, "journal_mode").ShouldBe("wal");
    }

    [Fact]
    public async Task Store_CreatesTheFolderOfTheFile()
    {
        await using var db = new TempDatabase();
        var path = Path.Combine(Path.GetDirectoryName(db.Path)!, "nested", "deeper", "jobs.db");
        await using var store = new SqliteJobStore(path);

        await store.MigrateAsync();

        File.Exists(path).ShouldBeTrue();
    }

    [Fact]
    public void Options_RejectAnInMemoryDatabase()
    {
        Should.Throw<ArgumentException>(() => new SqliteJobStore(":memory:"));
    }

    [Fact]
    public async Task DisposedStore_RefusesOperations()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        await store.DisposeAsync();

        await Should.ThrowAsync<ObjectDisposedException>(() => store.InsertManyAsync(Jobs.Insert(Jobs.New())));
        await Should.ThrowAsync<ObjectDisposedException>(() => store.GetJobAsync(new(1)));
    }

    private static object? Pragma(Microsoft.Data.Sqlite.SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return command.ExecuteScalar();
    }
}
