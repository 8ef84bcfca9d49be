namespace Conveyor;

/// <summary>The options of a batch as a whole; each job keeps its own <see cref="JobOptions"/>.</summary>
public sealed record BatchOptions
{
    /// <summary>
    /// When the batch's unfinished children are cancelled (by the leader, within a maintenance tick); the callback then
    /// runs and sees them cancelled. Null for none; must be later than now and at most 100 years ahead.
    /// </summary>
    public DateTimeOffset? Deadline { get; init; }
}
