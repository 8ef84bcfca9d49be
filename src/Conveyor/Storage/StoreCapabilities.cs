namespace Conveyor.Storage;

/// <summary>
/// Traits of a store's mandatory verbs; checked by the core at start. Optional roles are not flags: they are the
/// nullable properties of <see cref="IJobStore"/>.
/// </summary>
/// <param name="SupportsNotifications">Its <see cref="IJobStore.Notifier"/> reaches other processes.</param>
/// <param name="SupportsTransactionalEnqueue">Accepts the caller's own transaction in <see cref="InsertJobsParams.Transaction"/>.</param>
/// <param name="SupportsMultipleProcesses">Several processes may share it (false for the memory store).</param>
public sealed record StoreCapabilities(bool SupportsNotifications, bool SupportsTransactionalEnqueue, bool SupportsMultipleProcesses);
