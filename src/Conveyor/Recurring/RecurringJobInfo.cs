namespace Conveyor;

/// <summary>A stored recurring schedule, with what it did last and when it fires next.</summary>
/// <param name="Job">The definition.</param>
/// <param name="Source">Who defined it: <c>code</c>, <c>config</c>, <c>cli</c> or <c>api</c>.</param>
/// <param name="CreatedAt">When it was first stored.</param>
/// <param name="UpdatedAt">When its definition last changed.</param>
/// <param name="LastRun">The last tick fired (or skipped), or null.</param>
/// <param name="LastJobId">The job the last fired tick enqueued, or null.</param>
/// <param name="NextRun">The next tick, or null when the expression has none left.</param>
public sealed record RecurringJobInfo(RecurringJob Job, string Source, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? LastRun, long? LastJobId, DateTimeOffset? NextRun);
