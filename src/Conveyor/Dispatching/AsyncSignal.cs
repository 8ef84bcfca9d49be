namespace Conveyor.Dispatching;

/// <summary>
/// A coalescing wake-up (a binary semaphore): any number of <see cref="Set"/> calls while nobody
/// waits release exactly the next wait. Waiters wake on a set, on a time-out, or on cancellation.
/// </summary>
internal sealed class AsyncSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        if (_semaphore.CurrentCount != 0) return;
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another Set won the race: the signal is set, which is all we wanted.
        }
        catch (ObjectDisposedException)
        {
            // Set after the owner stopped: nobody waits any more.
        }
    }

    /// <summary>Waits for a set or the time-out; returns true when it was set (and consumes it).</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _semaphore.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _semaphore.Dispose();
}
