namespace Conveyor.Storage.Memory;

/// <summary>
/// The memory store's in-process signal: subscribers learn the name of a queue as soon as one of its
/// jobs becomes claimable (inserted, promoted, released, rescued, retried, or freed by a dependency
/// or an ordering key). Callbacks run on the thread that changed the store, outside its lock.
/// </summary>
internal sealed class MemoryJobNotifier : IJobNotifier
{
    private readonly Lock _lock = new();
    private Action<string>[] _subscribers = [];

    public Task<IAsyncDisposable> SubscribeAsync(Action<string> onJobsAvailable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onJobsAvailable);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock) _subscribers = [.. _subscribers, onJobsAvailable];
        return Task.FromResult<IAsyncDisposable>(new Subscription(this, onJobsAvailable));
    }

    /// <summary>Tells every subscriber about every queue; a failing subscriber does not stop the others.</summary>
    public void Signal(IReadOnlyCollection<string> queues)
    {
        var subscribers = Volatile.Read(ref _subscribers);
        if (subscribers.Length == 0 || queues.Count == 0) return;
        foreach (var queue in queues)
        {
            foreach (var subscriber in subscribers)
            {
                try
                {
                    subscriber(queue);
                }
                catch (Exception)
                {
                    // A notification is only a wake-up hint; the store's change already happened and
                    // must not fail because a listener did.
                }
            }
        }
    }

    public void Clear()
    {
        lock (_lock) _subscribers = [];
    }

    private void Unsubscribe(Action<string> callback)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_subscribers, callback);
            if (index < 0) return;
            _subscribers = [.. _subscribers.AsSpan(0, index), .. _subscribers.AsSpan(index + 1)];
        }
    }

    private sealed class Subscription(MemoryJobNotifier owner, Action<string> callback) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Unsubscribe(callback);
            return ValueTask.CompletedTask;
        }
    }
}
