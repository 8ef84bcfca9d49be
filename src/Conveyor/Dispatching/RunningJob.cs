using Conveyor.Storage;

namespace Conveyor.Dispatching;

/// <summary>Why a running job's token was cancelled; the first reason wins.</summary>
internal enum CancelReason
{
    None = 0,
    Timeout = 1,
    Shutdown = 2,
    Lost = 3,
}

/// <summary>
/// A job this node holds a lease on, from claim until its outcome is in the store. It owns the one
/// token its handler sees: the watchdog cancels it on timeout, the node on shutdown, the heartbeat
/// when the store says the job is no longer ours. No timer or linked token per job: those cost more
/// than a no-op handler does.
/// </summary>
internal sealed class RunningJob(ClaimedJob job, DateTimeOffset claimedAt, DateTimeOffset leaseExpiresAt, QueueDispatcher dispatcher) : IDisposable
{
    private const int Queued = 0, Running = 1, Finished = 2, Abandoned = 3;

    private readonly CancellationTokenSource _token = new();
    private long _leaseExpiresTicks = leaseExpiresAt.UtcTicks;
    private long _deadlineTicks = long.MaxValue;
    private long _cancelledAtTicks = long.MaxValue;
    private int _reason;
    private int _lost;
    private int _phase;

    public ClaimedJob Job { get; } = job;

    /// <summary>When the claim was made (the store's started_at until the outcome says otherwise).</summary>
    public DateTimeOffset ClaimedAt { get; } = claimedAt;

    /// <summary>When the handler started; null before.</summary>
    public DateTimeOffset? HandlerStartedAt { get; private set; }

    /// <summary>The dispatcher whose slot the job occupies.</summary>
    public QueueDispatcher Dispatcher { get; } = dispatcher;

    /// <summary>The worker running the job's handler (set when it picks the job up).</summary>
    public WorkerSlot? Worker { get; set; }

    /// <summary>The handler's token.</summary>
    public CancellationToken Token => _token.Token;

    public CancelReason Reason => (CancelReason)Volatile.Read(ref _reason);

    /// <summary>The node no longer holds the job (cancelled by a user, rescued, deleted, or the lease ran out unrenewed).</summary>
    public bool IsLost => Volatile.Read(ref _lost) != 0;

    /// <summary>True while the handler runs (started, not finished, not abandoned).</summary>
    public bool IsRunningHandler => Volatile.Read(ref _phase) == Running;

    public DateTimeOffset LeaseExpiresAt
    {
        get => new(Interlocked.Read(ref _leaseExpiresTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _leaseExpiresTicks, value.UtcTicks);
    }

    public long DeadlineTicks => Interlocked.Read(ref _deadlineTicks);

    public long CancelledAtTicks => Interlocked.Read(ref _cancelledAtTicks);

    /// <summary>The handler starts at <paramref name="now"/> and must finish by <paramref name="deadline"/>.</summary>
    public void BeginHandler(DateTimeOffset now, DateTimeOffset deadline)
    {
        HandlerStartedAt = now;
        Interlocked.Exchange(ref _deadlineTicks, deadline.UtcTicks);
        Volatile.Write(ref _phase, Running);
    }

    /// <summary>The worker's claim on the outcome; false when the watchdog abandoned the handler first.</summary>
    public bool TryFinish() => Interlocked.CompareExchange(ref _phase, Finished, Running) == Running;

    /// <summary>The watchdog's claim on the outcome of a handler that ignored its cancellation; false when it finished first.</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref _phase, Abandoned, Running) == Running;

    public void Cancel(CancelReason reason, DateTimeOffset now)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)CancelReason.None) != (int)CancelReason.None) return;
        Interlocked.Exchange(ref _cancelledAtTicks, now.UtcTicks);
        try
        {
            _token.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished meanwhile: nothing left to cancel.
        }
    }

    public void MarkLost(DateTimeOffset now)
    {
        Volatile.Write(ref _lost, 1);
        Cancel(CancelReason.Lost, now);
    }

    public void Dispose() => _token.Dispose();
}
