namespace Conveyor.Storage;

/// <summary>Pause or resume a queue.</summary>
public sealed record SetQueuePausedParams(string Queue, bool Paused);

