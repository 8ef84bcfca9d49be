namespace Conveyor;

/// <summary>The settings record of one queue, read by the claim inside its own statement.</summary>
/// <param name="Paused">True while nodes must not claim from it.</param>
/// <param name="Limits">Its flow-control limits.</param>
public sealed record QueueSettings(bool Paused, QueueLimits Limits);
