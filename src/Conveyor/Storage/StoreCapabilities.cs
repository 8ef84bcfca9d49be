namespace Conveyor.Storage;

/// <summary>What a store can do beyond the mandatory verbs; checked by the core at start.</summary>
/// <param name="SupportsNotifications">Offers an <see cref="IJobNotifier"/> that reaches other processes.</param>
/// <param name="SupportsTransactionalEnqueue">Accepts the caller's own transaction in <see cref="InsertJobsParams.Transaction"/>.</param>
/// <param name="SupportsMultipleProcesses">Several processes may share it (false for the memory store).</param>
public sealed record StoreCapabilities(bool SupportsNotifications, bool SupportsTransactionalEnqueue, bool SupportsMultipleProcesses);
