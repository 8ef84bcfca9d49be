using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Connections;

/// <summary>
/// One connection with its commands cached by SQL text, so each statement is prepared once and
/// reused (Microsoft.Data.Sqlite keeps a command's prepared statements while its text is unchanged).
/// Not thread-safe: one user at a time.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly SqliteTransaction? _transaction;
    private readonly bool _ownsConnection;

    public SqliteSession(SqliteConnection connection, SqliteTransaction? transaction = null, bool ownsConnection = true)
    {
        Connection = connection;
        _transaction = transaction;
        _ownsConnection = ownsConnection;
    }

    public SqliteConnection Connection { get; }

    /// <summary>The cached command for <paramref name="sql"/>; set every parameter before each use.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = _transaction;
            _commands.Add(sql, command);
        }
        return command;
    }

    /// <summary>Runs a statement without parameters through its cached command.</summary>
    public int Execute(string sql) => Command(sql).ExecuteNonQuery();

    /// <summary>Runs a one-off statement (DDL, pragmas) without caching it.</summary>
    public void ExecuteOnce(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs a one-off query without parameters and returns its first value.</summary>
    public object? ScalarOnce(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
            command.Dispose();
        _commands.Clear();
        if (_ownsConnection)
            Connection.Dispose();
    }
}
