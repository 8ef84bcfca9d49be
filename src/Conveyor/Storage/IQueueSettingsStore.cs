namespace Conveyor.Storage;

/// <summary>
/// One settings record per queue (<see cref="QueueSettings"/>: paused and the flow-control limits), read by the claim
/// inside its own statement and by enqueues for the backlog limit.
/// </summary>
public interface IQueueSettingsStore
{
    /// <summary>Pauses or resumes a queue (a paused queue is not claimed from). Works for queues with no jobs yet.</summary>
    Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets a queue's limits, creating its record when missing (a queue with no jobs yet too); its pause state is kept.
    /// From then on: claims never run more than <see cref="QueueLimits.GlobalLimit"/> jobs of the queue at once,
    /// never start more than <see cref="QueueLimits.RateLimit"/> in any window, take one job at a time in id order
    /// when <see cref="QueueLimits.Ordered"/>; inserts beyond <see cref="QueueLimits.MaxBacklog"/> fail.
    /// </summary>
    Task SetQueueLimitsAsync(SetQueueLimitsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>The queue's settings record; null when it has none (never paused nor limited).</summary>
    Task<QueueSettings?> GetQueueSettingsAsync(GetQueueSettingsParams parameters, CancellationToken cancellationToken = default);
}
