namespace Conveyor.Storage;

/// <summary>
/// Tells nodes that jobs became available, so they claim at once instead of at the next poll.
/// A lost notification only delays work until the poll: correctness never depends on it.
/// </summary>
public interface IJobNotifier
{
    /// <summary>
    /// Starts delivering the names of queues that received available jobs to <paramref name="onJobsAvailable"/>
    /// (called on any thread; it must not block). Disposing the subscription stops delivery and every
    /// background task the subscription started.
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(Action<string> onJobsAvailable, CancellationToken cancellationToken = default);
}
