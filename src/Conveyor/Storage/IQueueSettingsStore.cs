namespace Conveyor.Storage;

/// <summary>One settings record per queue (paused today), read by the claim inside its own statement.</summary>
public interface IQueueSettingsStore
{
    /// <summary>Pauses or resumes a queue (a paused queue is not claimed from). Works for queues with no jobs yet.</summary>
    Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default);
}
