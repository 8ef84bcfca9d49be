using System.Threading.Tasks.Sources;

namespace Conveyor.Dispatching;

/// <summary>
/// A coalescing wake-up (a binary semaphore) for one waiter at a time: any number of <see cref="Set"/>
/// calls while nobody waits release exactly the next wait. The waiter wakes on a set, on its time-out, or
/// on cancellation.
/// </summary>
/// <remarks>
/// A claim loop waits on its signals once per claim and up to once per freed slot, hundreds of thousands of
/// times a second on a busy node. A <see cref="SemaphoreSlim"/> wait with a time-out allocated a task, a
/// timer-backed cancellation source and a registration each time; this signal reuses one timer and one
/// completion source, and a wait that finds the signal set completes synchronously without allocating.
/// </remarks>
internal sealed class AsyncSignal : IValueTaskSource<bool>, IDisposable
{
    private const int Idle = 0;
    private const int Signalled = 1;
    private const int Waiting = 2;

    private readonly Timer _timer;
    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
    private int _state;
    private long _deadline = long.MaxValue;
    private CancellationToken _waitToken;
    private CancellationTokenRegistration _registration;

    public AsyncSignal()
    {
        // One timer for the signal's life, armed by each wait with a time-out.
        _timer = new Timer(static state => ((AsyncSignal)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public void Set()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Signalled:
                    return;
                case Idle:
                    if (Interlocked.CompareExchange(ref _state, Signalled, Idle) == Idle) return;
                    break;
                default:
                    if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                    {
                        Finish(true);
                        return;
                    }
                    break;
            }
        }
    }

    /// <summary>Waits for a set or the time-out; returns true when it was set (and consumes it).</summary>
    /// <exception cref="InvalidOperationException">Another wait is in progress.</exception>
    public ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (Interlocked.CompareExchange(ref _state, Idle, Signalled) == Signalled) return new ValueTask<bool>(true);
        if (timeout == TimeSpan.Zero) return new ValueTask<bool>(false);
        if (Volatile.Read(ref _state) == Waiting) throw new InvalidOperationException("an AsyncSignal has one waiter at a time");

        _completion.Reset();
        _waitToken = cancellationToken;
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            Volatile.Write(ref _deadline, long.MaxValue);
        }
        else
        {
            var milliseconds = (long)Math.Ceiling(timeout.TotalMilliseconds);
            Volatile.Write(ref _deadline, Environment.TickCount64 + milliseconds);
            _timer.Change(milliseconds, Timeout.Infinite);
        }
        _registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((AsyncSignal)state!).OnCancelled(), this)
            : default;

        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // Set between the first look and now: consume it instead of waiting.
            _registration.Unregister();
            Interlocked.CompareExchange(ref _state, Idle, Signalled);
            return new ValueTask<bool>(true);
        }
        // A cancellation that fired before the state said Waiting found nothing to cancel: look again.
        if (cancellationToken.IsCancellationRequested) OnCancelled();
        return new ValueTask<bool>(this, _completion.Version);
    }

    private void OnTimer()
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline == long.MaxValue) return; // a wait without time-out: a late tick of an earlier wait's timer
        var left = deadline - Environment.TickCount64;
        if (left > 1)
        {
            // Not this wait's tick (a late one of an earlier wait), or the timer ran early: wait out the rest.
            try
            {
                _timer.Change(left, Timeout.Infinite);
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile: nobody waits any more.
            }
            return;
        }
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting) Finish(false);
    }

    private void OnCancelled()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) != Waiting) return;
        _registration.Unregister();
        _completion.SetException(new OperationCanceledException(_waitToken));
    }

    private void Finish(bool set)
    {
        _registration.Unregister();
        _completion.SetResult(set);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    public void Dispose() => _timer.Dispose();
}
