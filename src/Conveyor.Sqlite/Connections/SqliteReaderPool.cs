using System.Collections.Concurrent;

namespace Conveyor.Sqlite.Connections;

/// <summary>
/// Read connections, reused across calls. In WAL mode readers never wait for the writer and always
/// see the last committed state, so queries do not queue behind the group commit.
/// </summary>
internal sealed class SqliteReaderPool(SqliteConnectionFactory connections, int maxIdle) : IDisposable
{
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private int _disposed;

    /// <summary>Runs <paramref name="read"/> on a pooled connection.</summary>
    public T Read<T>(Func<SqliteSession, T> read)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, typeof(SqliteJobStore));
        if (!_idle.TryTake(out var session))
            session = new SqliteSession(connections.OpenReader());
        try
        {
            return read(session);
        }
        finally
        {
            Return(session);
        }
    }

    private void Return(SqliteSession session)
    {
        if (Volatile.Read(ref _disposed) != 0 || _idle.Count >= maxIdle)
        {
            session.Dispose();
            return;
        }
        _idle.Add(session);
        // Dispose may have emptied the bag between the check and the add.
        if (Volatile.Read(ref _disposed) != 0 && _idle.TryTake(out var late))
            late.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        while (_idle.TryTake(out var session))
            session.Dispose();
    }
}
