namespace Conveyor.Storage;

/// <summary>
/// The storage boundary (store SPI), split by role: <see cref="IJobExecutionStore"/> (the hot path),
/// <see cref="IJobAdminStore"/> (queries and actions), <see cref="IQueueSettingsStore"/> (one record per queue) and
/// <see cref="INodeStore"/> (nodes and leadership); optional roles are the nullable properties below. A store speaks
/// the domain of jobs, never of handlers, DI or HTTP; the core never sees SQL. Every method takes one parameter
/// record and a token. Methods that change jobs are atomic per call. Times come from the caller (<c>Now</c> in each
/// record) so that a fake <see cref="TimeProvider"/> drives every store the same way. The rules each role must follow
/// are tested by the store conformance suite, one partial file per role.
/// </summary>
/// <remarks>
/// What a store can do beyond the mandatory roles is said in one way: an optional role is offered when its property
/// is not null (<see cref="Notifier"/>, <see cref="EnqueueClaimer"/>, <see cref="SpaceReclaimer"/>, <see cref="Cron"/>,
/// <see cref="Batches"/>), and
/// <see cref="Capabilities"/> holds the traits of the mandatory verbs (transactions, processes).
/// </remarks>
public interface IJobStore : IJobExecutionStore, IJobAdminStore, IQueueSettingsStore, INodeStore, IAsyncDisposable
{
    /// <summary><c>memory</c>, <c>sqlite</c> or <c>postgres</c>.</summary>
    string Name { get; }

    /// <summary>What this store can do beyond the mandatory verbs.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>Wake-ups when jobs become available; null when the store offers none (the core polls).</summary>
    IJobNotifier? Notifier { get; }

    /// <summary>Claims carried by enqueues made in this process (an option of the hot path); null when not offered.</summary>
    IEnqueueClaimer? EnqueueClaimer { get; }

    /// <summary>Housekeeping that keeps claims fast while jobs churn; null when the store needs none.</summary>
    ISpaceReclaimer? SpaceReclaimer { get; }

    /// <summary>Recurring schedules (cron); null when the store keeps none (the built-in stores all do).</summary>
    ICronStore? Cron { get; }

    /// <summary>Batches: children and a callback released when every child is final; null when the store offers none.</summary>
    IBatchStore? Batches { get; }

    /// <summary>Creates or upgrades the schema. Idempotent and safe when several processes call it at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);
}
