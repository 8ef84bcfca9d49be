using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Connections;

/// <summary>Opens connections to the store's file with the pragmas every connection needs.</summary>
internal sealed class SqliteConnectionFactory
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;

    public SqliteConnectionFactory(SqliteStoreOptions options)
    {
        FullPath = System.IO.Path.GetFullPath(options.Path);
        _busyTimeoutMs = (int)Math.Ceiling(options.BusyTimeout.TotalMilliseconds);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            // The store keeps its own long-lived connections; a pool would only hold the file open after dispose.
            Pooling = false,
            // Microsoft.Data.Sqlite retries busy statements itself until this many seconds have passed; keep
            // it in step with busy_timeout so a busy write fails back to the store's own retry in bounded time.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();
    }

    /// <summary>The database file's absolute path.</summary>
    public string FullPath { get; }

    /// <summary>Opens the write connection: creates the folder, switches the file to WAL.</summary>
    public SqliteConnection OpenWriter()
    {
        var folder = System.IO.Path.GetDirectoryName(FullPath);
        if (!string.IsNullOrEmpty(folder))
            Directory.CreateDirectory(folder);
        var connection = Open();
        try
        {
            // journal_mode is persistent in the file; setting it again when it is already WAL is a no-op.
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"SQLite refused WAL mode for '{FullPath}' (journal_mode is '{mode}'); the store needs a local file system");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens a connection for reads.</summary>
    public SqliteConnection OpenReader() => Open();

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_busyTimeoutMs}"));
            // Commits never wait for the disk inside SQLite's write lock: with SqliteSynchronousMode.Full the
            // writer's WalFlusher flushes the WAL after the commit and reports the operations only then.
            // NORMAL still flushes around checkpoints, which keeps the file consistent whatever happens.
            Execute(connection, "PRAGMA synchronous = NORMAL");
            Execute(connection, "PRAGMA temp_store = MEMORY");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
