namespace Conveyor;

/// <summary>
/// The options of one job; every enqueue interface (C#, CLI, HTTP, SQL) accepts the same set.
/// Unset values take the defaults of <see cref="ConveyorOptions"/>.
/// </summary>
public sealed record JobOptions
{
    /// <summary>The queue; <c>default</c> when null.</summary>
    public string? Queue { get; init; }
    /// <summary>Higher runs first within a queue. Default 0; range −1000…1000.</summary>
    public int Priority { get; init; }
    /// <summary>Do not run before this instant; at most 100 years (36,525 days) from now. Exclusive with <see cref="Delay"/>.</summary>
    public DateTimeOffset? RunAt { get; init; }
    /// <summary>Do not run before now + delay; 0 to 100 years (36,525 days). Exclusive with <see cref="RunAt"/>.</summary>
    public TimeSpan? Delay { get; init; }
    /// <summary>Attempts before the job is <c>dead</c>; default <see cref="ConveyorOptions.DefaultMaxAttempts"/>.</summary>
    public int? MaxAttempts { get; init; }
    /// <summary>The handler's token is cancelled when this runs out; default the node's job timeout.</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>Jobs sharing it run one at a time, in enqueue order, across the whole cluster.</summary>
    public string? OrderingKey { get; init; }
    /// <summary>While a job with this key is not final, enqueue returns it instead of adding a second.</summary>
    public string? UniqueKey { get; init; }
    /// <summary>
    /// Keeps <see cref="UniqueKey"/> taken for this long after the job succeeded; 0 to 100 years (36,525 days).
    /// Retention pruning keeps the succeeded job while it holds the key: its retention counts from the end of this period.
    /// </summary>
    public TimeSpan? UniqueFor { get; init; }
    /// <summary>
    /// Jobs sharing this key prefer one node: the live node serving the queue that owns the key by rendezvous hashing
    /// (see docs/nodes.md). A preference only: when the owner does not take the job within its grace period
    /// (<see cref="WorkerOptions.AffinityGrace"/>, 2 s by default) any node may. 1–256 characters.
    /// </summary>
    public string? AffinityKey { get; init; }
    /// <summary>Wait (state <c>waiting</c>) until this job succeeded; cancelled if it ends otherwise.</summary>
    public long? After { get; init; }
}
