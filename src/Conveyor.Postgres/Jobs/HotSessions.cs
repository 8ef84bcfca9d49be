using System.Collections.Concurrent;
using System.Data;
using Npgsql;

namespace Conveyor.Postgres.Jobs;

/// <summary>
/// Open sessions for the statements that run thousands of times a second (claims, completions, heartbeats,
/// progress, plain enqueues), handed out last-in first-out so that they keep landing on the same few server
/// processes.
/// </summary>
/// <remarks>
/// Npgsql's pool hands out its idle connections first-in first-out. With the 20 or so sessions a busy node has
/// open, consecutive claims then ran on a different server process each time, each with cold caches (its plan
/// and catalog caches, the CPU's caches of that process). A session taken from here comes back here, unless it
/// broke; a broken one means the server may have restarted, so the idle ones are closed as well rather than
/// failing one call each. At most <see cref="MaxIdle"/> are kept; the rest go back to Npgsql's pool.
/// </remarks>
internal sealed class HotSessions(NpgsqlDataSource dataSource, int maxIdle) : IAsyncDisposable
{
    /// <summary>
    /// Sessions kept open between calls for a pool of <paramref name="maxPoolSize"/>: 8 (more than a node's concurrent
    /// hot calls: claim loops, completer, heartbeat, enqueues), but never more than a quarter of the pool, which the
    /// listener, the monitor's queries and the application's own transactions share; none for a pool under 4.
    /// </summary>
    public static int MaxIdleFor(int maxPoolSize) => Math.Clamp(maxPoolSize / 4, 0, 8);

    /// <summary>How many sessions are kept open between calls.</summary>
    public int MaxIdle => maxIdle;

    private readonly ConcurrentStack<NpgsqlConnection> _idle = new();
    private int _disposed;

    /// <summary>An open session: the most recently returned one, or a new one from the pool.</summary>
    public async ValueTask<Session> RentAsync(CancellationToken cancellationToken)
    {
        if (_idle.TryPop(out var connection))
            return new Session(this, connection);
        return new Session(this, await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false));
    }

    private async ValueTask ReturnAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != ConnectionState.Open)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            await CloseIdleAsync().ConfigureAwait(false);
            return;
        }
        if (Volatile.Read(ref _disposed) == 0 && _idle.Count < maxIdle)
        {
            _idle.Push(connection);
            // Disposed meanwhile: nobody else will close it.
            if (Volatile.Read(ref _disposed) != 0) await CloseIdleAsync().ConfigureAwait(false);
            return;
        }
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask CloseIdleAsync()
    {
        while (_idle.TryPop(out var idle))
            await idle.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the idle sessions; sessions rented now are closed when they come back.</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        await CloseIdleAsync().ConfigureAwait(false);
    }

    /// <summary>A rented session; disposing it gives it back.</summary>
    public readonly struct Session(HotSessions owner, NpgsqlConnection connection) : IAsyncDisposable
    {
        public NpgsqlConnection Connection => connection;

        public ValueTask DisposeAsync() => owner.ReturnAsync(connection);
    }
}
