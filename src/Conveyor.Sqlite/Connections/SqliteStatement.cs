using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Conveyor.Sqlite.Connections;

/// <summary>
/// One prepared statement used through SQLite's own API, for the hot paths (claims, completions,
/// inserts, the writer's transaction control). Parameters are bound by position and columns read by
/// position, straight into SQLite: no parameter-name lookups, no reader objects, no JSON round trips.
/// Prepared once per connection and reused; not thread-safe (one user at a time, like its session).
/// </summary>
/// <remarks>
/// Use: bind, then <see cref="Step"/> until it returns false (or <see cref="Execute"/>), then
/// <see cref="Reset"/> — which also clears every binding, so unbound parameters are NULL next time.
/// </remarks>
internal sealed unsafe class SqliteStatement : IDisposable
{
    private const int Row = 100;
    private const int Done = 101;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly Dictionary<string, int> _parameters = new(StringComparer.Ordinal);
    // The direct entry points with the raw pointers they take (the handles stay referenced until Dispose),
    // or null: then every call goes through SQLitePCLRaw.
    private readonly SqliteNativeApi? _api;
    private readonly nint _dbPointer;
    private readonly nint _stmtPointer;
    private bool _referenced;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        Check(raw.sqlite3_prepare_v3(_db, sql, 1 /* SQLITE_PREPARE_PERSISTENT */, out _stmt));
        _api = SqliteNativeApi.Instance;
        if (_api is not null)
        {
            _stmt.DangerousAddRef(ref _referenced);
            _stmtPointer = _stmt.DangerousGetHandle();
            _dbPointer = _db.DangerousGetHandle();
        }
    }

    /// <summary>The position of the parameter <paramref name="name"/> (as in <c>$now</c>), for the Bind methods.</summary>
    public int Parameter(string name)
    {
        if (!_parameters.TryGetValue(name, out var index))
        {
            index = raw.sqlite3_bind_parameter_index(_stmt, name);
            if (index == 0)
                throw new ArgumentException($"the statement has no parameter '{name}'", nameof(name));
            _parameters.Add(name, index);
        }
        return index;
    }

    public void BindInt64(int index, long value) =>
        Check(_api is { } api ? api.BindInt64(_stmtPointer, index, value) : raw.sqlite3_bind_int64(_stmt, index, value));

    public void BindInt64(int index, long? value)
    {
        if (value is { } v)
            BindInt64(index, v);
    }

    /// <summary>Binds text (SQLite copies it); a null leaves the parameter NULL.</summary>
    public void BindText(int index, string? value)
    {
        if (value is null)
            return;
        if (_api is { } api)
        {
            fixed (char* text = value)
                Check(api.BindText16(_stmtPointer, index, text, value.Length * sizeof(char), SqliteNativeApi.Transient));
        }
        else
        {
            Check(raw.sqlite3_bind_text16(_stmt, index, value.AsSpan()));
        }
    }

    /// <summary>
    /// Binds text already encoded as UTF-8 (SQLite copies it): spares SQLite converting UTF-16 text to the
    /// database's UTF-8 when it builds the row, which costs an allocation per value.
    /// </summary>
    public void BindUtf8(int index, ReadOnlySpan<byte> utf8)
    {
        if (_api is { } api)
        {
            fixed (byte* text = utf8)
                Check(api.BindText(_stmtPointer, index, text, utf8.Length, SqliteNativeApi.Transient));
        }
        else
        {
            Check(raw.sqlite3_bind_text(_stmt, index, utf8));
        }
    }

    /// <summary>Runs the statement to its next row; false when it is done.</summary>
    public bool Step()
    {
        var rc = _api is { } api ? api.Step(_stmtPointer) : raw.sqlite3_step(_stmt);
        if (rc == Row)
            return true;
        if (rc == Done)
            return false;
        // The step failed: read the error before the reset, which leaves the statement usable again.
        var error = Error(rc);
        Reset();
        throw error;
    }

    /// <summary>Runs the statement to the end and resets it; returns the rows it changed.</summary>
    public int Execute()
    {
        while (Step())
        {
        }
        var changes = _api is { } api ? api.Changes(_dbPointer) : raw.sqlite3_changes(_db);
        Reset();
        return changes;
    }

    /// <summary>Makes the statement ready for its next use, every parameter NULL again.</summary>
    public void Reset()
    {
        if (_api is { } api)
        {
            api.Reset(_stmtPointer);
            api.ClearBindings(_stmtPointer);
        }
        else
        {
            raw.sqlite3_reset(_stmt);
            raw.sqlite3_clear_bindings(_stmt);
        }
    }

    public bool IsNull(int column) =>
        (_api is { } api ? api.ColumnType(_stmtPointer, column) : raw.sqlite3_column_type(_stmt, column)) == raw.SQLITE_NULL;

    public long GetInt64(int column) =>
        _api is { } api ? api.ColumnInt64(_stmtPointer, column) : raw.sqlite3_column_int64(_stmt, column);

    public int GetInt32(int column) => unchecked((int)GetInt64(column));

    public long? GetNullableInt64(int column) => IsNull(column) ? null : GetInt64(column);

    public string GetString(int column)
    {
        if (_api is not { } api)
            return Encoding.UTF8.GetString(raw.sqlite3_column_blob(_stmt, column));
        // Text first, then its length (SQLite's documented order: the length is of that text).
        var text = api.ColumnText(_stmtPointer, column);
        var length = api.ColumnBytes(_stmtPointer, column);
        return text is null ? string.Empty : Encoding.UTF8.GetString(text, length);
    }

    public string? GetNullableString(int column) => IsNull(column) ? null : GetString(column);

    /// <summary>A text column's UTF-8 bytes, valid only until the next call on this statement.</summary>
    public ReadOnlySpan<byte> GetUtf8(int column)
    {
        if (_api is not { } api)
            return raw.sqlite3_column_blob(_stmt, column);
        var text = api.ColumnText(_stmtPointer, column);
        var length = api.ColumnBytes(_stmtPointer, column);
        return text is null ? [] : new ReadOnlySpan<byte>(text, length);
    }

    public void Dispose()
    {
        if (_referenced)
        {
            _stmt.DangerousRelease();
            _referenced = false;
        }
        _stmt.Dispose();
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
            throw Error(rc);
    }

    private SqliteException Error(int rc) =>
        new(raw.sqlite3_errmsg(_db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(_db));
}
