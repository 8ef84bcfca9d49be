namespace Conveyor.Dispatching;

/// <summary>One queue's part of a <see cref="SlotPool"/>; its counts are guarded by the pool's <see cref="SlotPool.Gate"/>.</summary>
internal sealed class QueueShare(SlotPool pool, string queue, int cap, int weight, Func<int> held)
{
    public SlotPool Pool { get; } = pool;
    public string Queue { get; } = queue;

    /// <summary>The most of its jobs that run at once on this node.</summary>
    public int Cap { get; } = cap;

    /// <summary>Its weight in the sharing of the pool.</summary>
    public int Weight { get; } = weight;

    /// <summary>How many jobs its dispatcher holds (running, or waiting for a slot in memory).</summary>
    public Func<int> Held { get; } = held;

    /// <summary>Jobs running now, each holding a slot (under the gate).</summary>
    public int Running { get; set; }

    /// <summary>Workers waiting for a slot, oldest first (under the gate).</summary>
    public LinkedList<SlotWaiter> Waiters { get; } = new();

    /// <summary>Workers waiting for a slot (under the gate).</summary>
    public int Waiting => Waiters.Count;

    /// <summary>Set by the dispatcher: its last claim got all it asked, so more work likely waits in the store.</summary>
    public bool Backlogged
    {
        get => Volatile.Read(ref _backlogged);
        set => Volatile.Write(ref _backlogged, value);
    }

    private bool _backlogged;

    /// <summary>Jobs of this queue running now.</summary>
    public int RunningNow
    {
        get
        {
            lock (Pool.Gate) return Running;
        }
    }

    /// <inheritdoc cref="SlotPool.Allowance"/>
    public int Allowance() => Pool.Allowance(this);

    /// <inheritdoc cref="SlotPool.AcquireAsync"/>
    public ValueTask AcquireAsync(CancellationToken cancellationToken) => Pool.AcquireAsync(this, cancellationToken);

    /// <inheritdoc cref="SlotPool.Release"/>
    public void Release() => Pool.Release(this);
}
