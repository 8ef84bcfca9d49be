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
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);
    private readonly SqliteTransaction? _transaction;
    private readonly bool _ownsConnection;

    public SqliteSession(SqliteConnection connection, SqliteTransaction? transaction = null, bool ownsConnection = true)
    {
        Connection = connection;
        _transaction = transaction;
        _ownsConnection = ownsConnection;
    }

    public SqliteConnection Connection { get; }

    /// <summary>The caller's transaction this session works in, if any (commands must name it).</summary>
    public SqliteTransaction? Transaction => _transaction;

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

    /// <summary>
    /// The cached prepared statement for <paramref name="sql"/>, used through SQLite's own API (hot paths);
    /// reset it after each use. It runs in whatever transaction the connection is in.
    /// </summary>
    public SqliteStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteStatement(Connection, sql);
            _statements.Add(sql, statement);
        }
        return statement;
    }

    /// <summary>Runs a statement without parameters (transaction control, mostly) through its cached statement.</summary>
    public int Execute(string sql) => Statement(sql).Execute();

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
        foreach (var statement in _statements.Values)
            statement.Dispose();
        _statements.Clear();
        if (_ownsConnection)
            Connection.Dispose();
    }
}
