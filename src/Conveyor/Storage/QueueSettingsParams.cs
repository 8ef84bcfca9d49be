namespace Conveyor.Storage;

/// <summary>Pause or resume a queue.</summary>
public sealed record SetQueuePausedParams(string Queue, bool Paused);

/// <summary>Set every limit of a queue (the record is created when missing; its pause state is kept).</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Limits">The limits, checked by the caller (<see cref="QueueLimits.Check"/>).</param>
public sealed record SetQueueLimitsParams(string Queue, QueueLimits Limits);

/// <summary>Read one queue's settings record.</summary>
public sealed record GetQueueSettingsParams(string Queue);
