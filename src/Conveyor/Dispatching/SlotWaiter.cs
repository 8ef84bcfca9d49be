namespace Conveyor.Dispatching;

/// <summary>A worker of <see cref="Share"/> waiting for a slot of the pool.</summary>
internal sealed class SlotWaiter
{
    public SlotWaiter(QueueShare share, long sequence)
    {
        Share = share;
        Sequence = sequence;
        Node = new LinkedListNode<SlotWaiter>(this);
    }

    public QueueShare Share { get; }

    /// <summary>When it began to wait, in the pool's order (ties between equally served queues go to the oldest).</summary>
    public long Sequence { get; }

    /// <summary>Its place in <see cref="QueueShare.Waiters"/>; detached once granted or cancelled.</summary>
    public LinkedListNode<SlotWaiter> Node { get; }

    /// <summary>Completed when the slot is granted; cancelled when the wait was given up first.</summary>
    public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationTokenRegistration Registration { get; set; }
}
