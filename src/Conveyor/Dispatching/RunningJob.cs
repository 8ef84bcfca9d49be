using Conveyor.Storage;

namespace Conveyor.Dispatching;

/// <summary>A job this node holds a lease on, from claim until its outcome is in the store.</summary>
internal sealed class RunningJob(ClaimedJob job, DateTimeOffset leaseExpiresAt) : IDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private long _leaseExpiresTicks = leaseExpiresAt.UtcTicks;

    public ClaimedJob Job { get; } = job;

    /// <summary>Fires when the node no longer holds the job (cancelled by a user, rescued, deleted, or the lease ran out unrenewed).</summary>
    public CancellationToken LostToken => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    public DateTimeOffset LeaseExpiresAt
    {
        get => new(Interlocked.Read(ref _leaseExpiresTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _leaseExpiresTicks, value.UtcTicks);
    }

    public void MarkLost()
    {
        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished meanwhile: nothing left to cancel.
        }
    }

    public void Dispose() => _lost.Dispose();
}
