namespace Conveyor.Dispatching;

/// <summary>
/// The node's one pool of worker slots, shared by its queues (<see cref="WorkerOptions.Concurrency"/>). A worker takes
/// a slot from it just before it runs a job and gives it back after, so the node never runs more jobs than the pool
/// has slots, nor a queue more than its cap. When slots are short, a freed slot goes to the waiting queue that runs the
/// fewest jobs for its weight; each dispatcher claims for at most its fair share (<see cref="Allowance"/>) plus its
/// prefetch. Together that is weighted max-min fairness, work-conserving: a queue alone may use the whole pool (up to
/// its cap), and a queue that gets work back takes the next freed slots until the shares are even. No running job is
/// ever interrupted for it.
/// </summary>
/// <remarks>
/// Only a pool smaller than the sum of the caps is shared (<see cref="IsShared"/>); otherwise every queue has its cap
/// to itself and the dispatchers skip the pool entirely. One lock guards the counts: a take and a give are a few
/// integer operations under it.
/// </remarks>
internal sealed class SlotPool
{
    private readonly List<QueueShare> _queues = [];
    private int _free;
    private long _waitSequence;

    /// <param name="size">The slots of the pool (at least 1).</param>
    public SlotPool(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _free = size;
    }

    /// <summary>The slots of the pool.</summary>
    public int Size { get; }

    /// <summary>Guards the counts of the pool and of every <see cref="QueueShare"/>.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>True when the queues' caps add up to more than the pool: only then must they share it.</summary>
    public bool IsShared => _queues.Sum(q => q.Cap) > Size;

    /// <summary>Called (outside the lock) when a slot was given back: a dispatcher's allowance may have grown.</summary>
    public event Action? SlotReturned;

    /// <summary>Adds a queue of the node (before the node starts).</summary>
    /// <param name="queue">Its name.</param>
    /// <param name="cap">The most of its jobs that run at once (1 … <see cref="Size"/>).</param>
    /// <param name="weight">Its weight in the sharing (at least 1).</param>
    /// <param name="held">How many jobs its dispatcher holds now (running or waiting for a slot).</param>
    public QueueShare Add(string queue, int cap, int weight, Func<int> held)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cap, Size);
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, 1);
        var share = new QueueShare(this, queue, cap, weight, held);
        lock (Gate) _queues.Add(share);
        return share;
    }

    /// <summary>
    /// How many jobs <paramref name="share"/>'s dispatcher may hold for slots now (its prefetch comes on top): its
    /// weighted max-min share of the pool, counting it as wanting its whole cap, every queue with work waiting
    /// (backlogged, or a job waiting for a slot) likewise, and each other queue as wanting just what it holds. Rounded
    /// up and at least 1, so no queue is ever shut out; the slots themselves stay bounded by the pool.
    /// </summary>
    public int Allowance(QueueShare share)
    {
        lock (Gate)
        {
            var count = _queues.Count;
            Span<double> demand = stackalloc double[count];
            Span<bool> open = stackalloc bool[count];
            var mine = -1;
            for (var i = 0; i < count; i++)
            {
                var q = _queues[i];
                if (ReferenceEquals(q, share)) mine = i;
                demand[i] = ReferenceEquals(q, share) || q.Backlogged || q.Waiting > 0 ? q.Cap : Math.Min(q.Cap, Math.Max(q.Running, q.Held()));
                open[i] = demand[i] > 0;
            }
            double remaining = Size;
            while (true)
            {
                double weights = 0;
                for (var i = 0; i < count; i++) if (open[i]) weights += _queues[i].Weight;
                if (weights == 0) break;
                var level = remaining / weights;
                var settled = false;
                for (var i = 0; i < count; i++)
                {
                    if (!open[i] || demand[i] > level * _queues[i].Weight) continue;
                    open[i] = false;
                    remaining -= demand[i];
                    settled = true;
                }
                if (settled) continue;
                for (var i = 0; i < count; i++) if (open[i]) demand[i] = level * _queues[i].Weight;
                break;
            }
            return Math.Clamp((int)Math.Ceiling(demand[mine] - 1e-9), 1, share.Cap);
        }
    }

    /// <summary>Takes a slot for one job of <paramref name="share"/>, waiting for one when the pool is full.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first: no slot was taken.</exception>
    public ValueTask AcquireAsync(QueueShare share, CancellationToken cancellationToken)
    {
        SlotWaiter waiter;
        lock (Gate)
        {
            // A free slot means nobody waits (a freed slot goes to a waiter first), so taking it is fair.
            if (_free > 0)
            {
                _free--;
                share.Running++;
                return ValueTask.CompletedTask;
            }
            waiter = new SlotWaiter(share, ++_waitSequence);
            share.Waiters.AddLast(waiter.Node);
        }
        if (cancellationToken.CanBeCanceled)
            waiter.Registration = cancellationToken.Register(static w => ((SlotWaiter)w!).Share.Pool.Cancel((SlotWaiter)w!), waiter);
        return new ValueTask(waiter.Granted.Task);
    }

    /// <summary>Gives back the slot of a job of <paramref name="share"/> that ended: to the fairest waiting queue, else to the pool.</summary>
    public void Release(QueueShare share)
    {
        SlotWaiter? next = null;
        lock (Gate)
        {
            share.Running--;
            QueueShare? fairest = null;
            foreach (var q in _queues)
            {
                if (q.Waiters.First is not { } head) continue;
                if (fairest is null) { fairest = q; continue; }
                // Fewest running per weight first (cross-multiplied); on a tie, the one waiting longest.
                var order = ((long)q.Running * fairest.Weight).CompareTo((long)fairest.Running * q.Weight);
                if (order < 0 || (order == 0 && head.Value.Sequence < fairest.Waiters.First!.Value.Sequence)) fairest = q;
            }
            if (fairest is null) _free++;
            else
            {
                next = fairest.Waiters.First!.Value;
                fairest.Waiters.RemoveFirst();
                fairest.Running++;
            }
        }
        if (next is not null)
        {
            next.Registration.Dispose();
            next.Granted.TrySetResult();
        }
        SlotReturned?.Invoke();
    }

    private void Cancel(SlotWaiter waiter)
    {
        lock (Gate)
        {
            // Already granted: the slot is the caller's, who sees the grant (it was set before this cancel could run).
            if (waiter.Node.List is null) return;
            waiter.Share.Waiters.Remove(waiter.Node);
        }
        waiter.Granted.TrySetCanceled();
    }
}
