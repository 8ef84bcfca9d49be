namespace Conveyor;

/// <summary>
/// The flow-control settings of one queue, enforced by the store for the whole cluster (docs/flow-control.md).
/// Null (or false) means no such limit.
/// </summary>
/// <param name="GlobalLimit">Never more than this many jobs of the queue running across all nodes (1–1,000,000).</param>
/// <param name="RateLimit">At most this many job starts in any window of its period across all nodes.</param>
/// <param name="Ordered">One job at a time cluster-wide, in enqueue order (the whole queue is one ordering key).</param>
/// <param name="MaxBacklog">An enqueue that would make the queue's backlog (its available, scheduled, retrying and
/// waiting jobs) larger than this fails with <see cref="QueueBacklogFullException"/> (1–1,000,000,000).</param>
public sealed record QueueLimits(int? GlobalLimit = null, RateLimit? RateLimit = null, bool Ordered = false, long? MaxBacklog = null)
{
    /// <summary>The largest global limit.</summary>
    public const int MaxGlobalLimit = 1_000_000;

    /// <summary>The largest backlog limit.</summary>
    public const long MaxMaxBacklog = 1_000_000_000;

    /// <summary>No limits.</summary>
    public static QueueLimits None { get; } = new();

    /// <summary>True when claims from the queue are limited (global limit, rate limit or ordered): no prefetch then.</summary>
    public bool LimitsClaims => GlobalLimit is not null || RateLimit is not null || Ordered;

    /// <summary>Null when every value is in range, else why not.</summary>
    public string? Check()
    {
        if (GlobalLimit is { } global && global is < 1 or > MaxGlobalLimit)
            return $"globalLimit must be 1–{MaxGlobalLimit} (or none), not {global}";
        if (MaxBacklog is { } backlog && backlog is < 1 or > MaxMaxBacklog)
            return $"maxBacklog must be 1–{MaxMaxBacklog} (or none), not {backlog}";
        return null;
    }
}
