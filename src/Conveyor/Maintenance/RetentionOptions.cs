namespace Conveyor;

/// <summary>How long finished jobs stay in the store before the leader prunes them.</summary>
public sealed class RetentionOptions
{
    public static readonly TimeSpan DefaultSucceeded = TimeSpan.FromDays(7);
    public static readonly TimeSpan DefaultDead = TimeSpan.FromDays(30);
    public static readonly TimeSpan DefaultCancelled = TimeSpan.FromDays(30);
    public static readonly TimeSpan DefaultPruneInterval = TimeSpan.FromMinutes(1);

    /// <summary>Default 7 days.</summary>
    public TimeSpan Succeeded { get; init; } = DefaultSucceeded;
    /// <summary>Default 30 days.</summary>
    public TimeSpan Dead { get; init; } = DefaultDead;
    /// <summary>Default 30 days.</summary>
    public TimeSpan Cancelled { get; init; } = DefaultCancelled;
    /// <summary>How often the leader prunes. Default 1 min.</summary>
    public TimeSpan PruneInterval { get; init; } = DefaultPruneInterval;

    internal void Validate()
    {
        if (Succeeded < TimeSpan.Zero || Dead < TimeSpan.Zero || Cancelled < TimeSpan.Zero)
            throw new InvalidOperationException("retention periods must not be negative");
        if (PruneInterval <= TimeSpan.Zero) throw new InvalidOperationException("PruneInterval must be positive");
    }
}
