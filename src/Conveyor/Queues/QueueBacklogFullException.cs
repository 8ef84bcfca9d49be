namespace Conveyor;

/// <summary>
/// An enqueue would have made a queue's backlog (available, scheduled, retrying and waiting jobs) larger than its
/// <see cref="QueueLimits.MaxBacklog"/>. Nothing of the enqueue was stored (a bulk enqueue is all or nothing).
/// </summary>
public sealed class QueueBacklogFullException : Exception
{
    /// <summary>The queue <paramref name="queue"/> holds <paramref name="backlog"/> jobs not final and not running; its limit is <paramref name="maxBacklog"/>.</summary>
    public QueueBacklogFullException(string queue, long maxBacklog, long? backlog = null)
        : base($"queue {queue} is full: its backlog limit is {maxBacklog} jobs" + (backlog is { } n ? $" and it holds {n}" : ""))
    {
        Queue = queue;
        MaxBacklog = maxBacklog;
        Backlog = backlog;
    }

    /// <summary>The full queue.</summary>
    public string Queue { get; }

    /// <summary>Its backlog limit.</summary>
    public long MaxBacklog { get; }

    /// <summary>Its backlog when the enqueue was refused, when the store knows it.</summary>
    public long? Backlog { get; }
}
