using Conveyor.Storage;

namespace Conveyor.Sqlite;

/// <summary>
/// Wake-ups inside this process: the store announces a queue after it committed jobs that can be
/// claimed there. Other processes sharing the file are not reached; they find work at their next
/// poll (hence <see cref="StoreCapabilities.SupportsNotifications"/> is false for SQLite).
/// </summary>
internal sealed class InProcessJobNotifier : IJobNotifier
{
    private readonly Lock _gate = new();
    private Action<string>[] _subscribers = [];

    public Task<IAsyncDisposable> SubscribeAsync(Action<string> onJobsAvailable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onJobsAvailable);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
            _subscribers = [.. _subscribers, onJobsAvailable];
        return Task.FromResult<IAsyncDisposable>(new Subscription(this, onJobsAvailable));
    }

    /// <summary>Tells every subscriber that <paramref name="queue"/> has jobs to claim.</summary>
    public void Publish(string queue)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            try
            {
                subscriber(queue);
            }
            catch (Exception)
            {
                // A wake-up is only a hint (the poll is the safety net); a faulty subscriber must not
                // break the writer that publishes after its commit, nor the other subscribers.
            }
        }
    }

    private void Unsubscribe(Action<string> subscriber)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, subscriber);
            if (index >= 0)
                _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
        }
    }

    private sealed class Subscription(InProcessJobNotifier notifier, Action<string> subscriber) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                notifier.Unsubscribe(subscriber);
            return ValueTask.CompletedTask;
        }
    }
}
