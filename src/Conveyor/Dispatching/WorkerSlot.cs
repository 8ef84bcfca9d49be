namespace Conveyor.Dispatching;

/// <summary>One worker of a dispatcher: the loop that takes claimed jobs and runs them one at a time.</summary>
internal sealed class WorkerSlot
{
    private int _poolSlot;

    /// <summary>The worker's loop; handed to <see cref="AbandonedHandlers"/> when its handler is abandoned.</summary>
    public Task Loop { get; set; } = Task.CompletedTask;

    /// <summary>The worker holds a slot of the node's shared pool for the job it runs.</summary>
    public void TookPoolSlot() => Volatile.Write(ref _poolSlot, 1);

    /// <summary>
    /// True once, when the worker held a pool slot: the caller gives it back. The worker after its job and the
    /// watchdog abandoning its handler both ask; only one gets it.
    /// </summary>
    public bool TryGivePoolSlotBack() => Interlocked.Exchange(ref _poolSlot, 0) == 1;
}
