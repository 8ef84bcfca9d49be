using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres.Notifications;

/// <summary>
/// Wake-ups for the nodes of this store: delivered at once to subscribers in this process, sent to other
/// processes by a coalescing NOTIFY (<see cref="NotificationSender"/>), and received from them through
/// LISTEN on one dedicated connection that is re-opened with back-off after it breaks (a server restart,
/// a network failure). A notification lost meanwhile only delays work until the nodes' next poll.
/// In <see cref="PostgresNotificationMode.PollOnly"/> nothing is sent or received through PostgreSQL.
/// </summary>
internal sealed class PostgresJobNotifier : IJobNotifier, IJobNotifierHealth, IAsyncDisposable
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan IdleProbeInterval = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresStoreOptions _options;
    private readonly NotificationSender? _sender;
    private readonly Lock _gate = new();
    private Action<string>[] _subscribers = [];
    private CancellationTokenSource? _listenStop;
    private Task? _listenLoop;
    private TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    public PostgresJobNotifier(NpgsqlDataSource dataSource, PostgresStoreOptions options)
    {
        _dataSource = dataSource;
        _options = options;
        Channel = options.Schema + ".jobs";
        Tag = Guid.NewGuid().ToString("N")[..12];
        if (options.NotificationMode == PostgresNotificationMode.Listen)
            _sender = new NotificationSender(dataSource, Channel, Tag, options.NotifyInterval);
    }

    /// <summary>The NOTIFY channel: <c>SCHEMA.jobs</c> (also used by the SQL <c>enqueue</c> function).</summary>
    public string Channel { get; }

    /// <summary>Marks this store's own NOTIFY payloads (<c>TAG|queue</c>), which its listener skips: they were delivered locally already.</summary>
    public string Tag { get; }

    /// <summary>True while the LISTEN connection is open (for tests and diagnostics).</summary>
    public bool IsListening => Volatile.Read(ref _listening).Task.IsCompletedSuccessfully;

    /// <summary>Set while a node of this process subscribes and the LISTEN connection is down (broken, or not yet open).</summary>
    public string? Degradation => Volatile.Read(ref _listenLoop) is not null && !IsListening
        ? "the LISTEN connection to PostgreSQL is lost and being reopened; nodes find new jobs by polling meanwhile"
        : null;

    /// <summary>Jobs became claimable in <paramref name="queue"/> and are committed: wake this process's nodes now, the others soon.</summary>
    public void Publish(string queue)
    {
        Deliver(queue);
        _sender?.Enqueue(queue);
    }

    /// <summary>Wakes only this process's nodes (jobs whose commit is the caller's, announced by a NOTIFY inside that transaction).</summary>
    public void Deliver(string queue)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            try
            {
                subscriber(queue);
            }
            catch (Exception)
            {
                // A wake-up is only a hint; a faulty subscriber must not break the store or the other subscribers.
            }
        }
    }

    public async Task<IAsyncDisposable> SubscribeAsync(Action<string> onJobsAvailable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onJobsAvailable);
        cancellationToken.ThrowIfCancellationRequested();
        Task listening;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _subscribers = [.. _subscribers, onJobsAvailable];
            if (_options.NotificationMode == PostgresNotificationMode.Listen && _listenLoop is null)
            {
                _listenStop = new CancellationTokenSource();
                _listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var stop = _listenStop.Token;
                _listenLoop = Task.Run(() => ListenAsync(stop), CancellationToken.None);
            }
            listening = _listening.Task;
        }
        // Wait for the first LISTEN so that jobs enqueued after this returns are announced; if the server
        // cannot be reached now, the loop keeps trying and the nodes poll meanwhile.
        try
        {
            await listening.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        return new Subscription(this, onJobsAvailable);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _subscribers = [];
        }
        await StopListeningAsync().ConfigureAwait(false);
        if (_sender is not null)
            await _sender.DisposeAsync().ConfigureAwait(false);
    }

    private async Task UnsubscribeAsync(Action<string> subscriber)
    {
        bool last;
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, subscriber);
            if (index >= 0)
                _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
            last = _subscribers.Length == 0;
        }
        if (last)
            await StopListeningAsync().ConfigureAwait(false);
    }

    private async Task StopListeningAsync()
    {
        Task? loop;
        CancellationTokenSource? stop;
        lock (_gate)
        {
            loop = _listenLoop;
            stop = _listenStop;
            _listenLoop = null;
            _listenStop = null;
        }
        if (loop is null || stop is null)
            return;
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stop.Dispose();
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        var delay = FirstReconnectDelay;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN \"{Channel}\"", connection))
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                Volatile.Read(ref _listening).TrySetResult();
                delay = FirstReconnectDelay;
                try
                {
                    while (true)
                    {
                        if (!await connection.WaitAsync(IdleProbeInterval, stop).ConfigureAwait(false))
                        {
                            // Quiet for a while: make sure the session is still there (a dead peer shows only when written to).
                            await using var probe = new NpgsqlCommand("SELECT 1", connection);
                            await probe.ExecuteScalarAsync(stop).ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    connection.Notification -= OnNotification;
                    await UnlistenAsync(connection).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception)
            {
                // The session broke or could not be opened: try again after a growing pause. Jobs enqueued
                // meanwhile are found by the nodes' poll.
                lock (_gate)
                {
                    if (_listening.Task.IsCompleted)
                        _listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
            try
            {
                await Task.Delay(delay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ListenReconnectMaxDelay.Ticks));
        }
    }

    /// <summary>
    /// The connection goes back to the pool: it must not keep listening, or the server would go on sending it
    /// notifications that nobody reads. A connection that cannot run UNLISTEN is broken and leaves the pool anyway.
    /// </summary>
    private static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != System.Data.ConnectionState.Open)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
            await unlisten.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        var payload = e.Payload;
        var bar = payload.IndexOf('|', StringComparison.Ordinal);
        if (bar >= 0)
        {
            if (payload.AsSpan(0, bar).SequenceEqual(Tag))
                return;
            payload = payload[(bar + 1)..];
        }
        if (payload.Length > 0)
            Deliver(payload);
    }

    private sealed class Subscription(PostgresJobNotifier notifier, Action<string> subscriber) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                await notifier.UnsubscribeAsync(subscriber).ConfigureAwait(false);
        }
    }
}
