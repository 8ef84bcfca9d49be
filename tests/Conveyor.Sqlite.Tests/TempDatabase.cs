using Conveyor.Sqlite;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Tests;

/// <summary>A database file in its own temporary folder, with every store opened on it; all removed on dispose.</summary>
internal sealed class TempDatabase : IAsyncDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "conveyor-sqlite-tests-" + Guid.NewGuid().ToString("N"));
    private readonly List<IAsyncDisposable> _owned = [];

    public TempDatabase()
    {
        Directory.CreateDirectory(_directory);
    }

    public string Path => System.IO.Path.Combine(_directory, "conveyor.db");

    /// <summary>A new store on the file, disposed with the database.</summary>
    public SqliteJobStore OpenStore(Func<SqliteStoreOptions, SqliteStoreOptions>? configure = null)
    {
        var options = new SqliteStoreOptions(Path);
        var store = new SqliteJobStore(configure is null ? options : configure(options));
        _owned.Add(store);
        return store;
    }

    /// <summary>A plain connection of the caller's own on the same file.</summary>
    public SqliteConnection OpenConnection(string? path = null)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path ?? Path, Pooling = false }.ToString());
        connection.Open();
        _owned.Add(connection);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
            await _owned[i].DisposeAsync();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
