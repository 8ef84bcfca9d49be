using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Connections;

/// <summary>SQLite result codes the store reacts to.</summary>
internal static class SqliteErrors
{
    private const int Busy = 5;
    private const int Locked = 6;

    /// <summary>True when another connection held the lock for longer than the busy timeout.</summary>
    public static bool IsBusy(SqliteException exception) =>
        exception.SqliteErrorCode is Busy or Locked;
}
