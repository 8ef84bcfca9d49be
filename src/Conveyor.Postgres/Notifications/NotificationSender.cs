using Conveyor.Postgres.Jobs;
using Npgsql;

namespace Conveyor.Postgres.Notifications;

/// <summary>
/// Sends the store's wake-ups to other nodes: one NOTIFY per queue for everything that became available
/// since the last send, at most once per <see cref="PostgresStoreOptions.NotifyInterval"/>, in a transaction
/// of its own after the enqueue committed.
/// </summary>
/// <remarks>
/// PostgreSQL serialises the commits of all transactions that issued NOTIFY behind one global lock. A
/// NOTIFY inside every enqueue transaction would therefore cap the whole cluster at roughly a thousand
/// enqueues a second; coalesced here, enqueues commit in parallel and only this small loop pays for the
/// lock. A NOTIFY that fails is dropped: nodes also poll, so a lost wake-up only delays work. The loop
/// starts with the first wake-up and is stopped (after a last send) by <see cref="DisposeAsync"/>.
/// </remarks>
internal sealed class NotificationSender(NpgsqlDataSource dataSource, string channel, string tag, TimeSpan interval) : IAsyncDisposable
{
    private const string NotifySql = "SELECT pg_notify($1, $2 || '|' || q) FROM unnest($3::text[]) AS q";

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private HashSet<string> _pending = new(StringComparer.Ordinal);
    private Task? _loop;
    private bool _disposed;

    /// <summary>Queues a wake-up for <paramref name="queue"/>; returns at once.</summary>
    public void Enqueue(string queue)
    {
        lock (_gate)
        {
            if (_disposed || !_pending.Add(queue) || _pending.Count != 1)
                return;
            _loop ??= Task.Run(RunAsync);
            _signal.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            loop = _loop;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
            await loop.ConfigureAwait(false);
        _stop.Dispose();
        _signal.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await SendPendingAsync(_stop.Token).ConfigureAwait(false);
            if (interval > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        // The last wake-ups of a store that is closing still go out, briefly.
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await SendPendingAsync(last.Token).ConfigureAwait(false);
    }

    private async Task SendPendingAsync(CancellationToken cancellationToken)
    {
        HashSet<string> queues;
        lock (_gate)
        {
            if (_pending.Count == 0)
                return;
            queues = _pending;
            _pending = new HashSet<string>(StringComparer.Ordinal);
            // The semaphore may hold a release for the queues just taken: drop it so the loop does not spin.
            if (_signal.CurrentCount > 0)
                _signal.Wait(0);
        }
        try
        {
            await using var command = dataSource.CreateCommand(NotifySql);
            command.Parameters.Text(channel).Text(tag).Texts([.. queues]);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            // Dropped on purpose: the nodes' poll finds the jobs (see the remarks).
        }
    }
}
