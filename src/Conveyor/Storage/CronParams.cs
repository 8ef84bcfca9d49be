namespace Conveyor.Storage;

/// <summary>A recurring schedule's definition as stored; the core validated and normalised every field.</summary>
public sealed record CronDefinition
{
    /// <summary>The schedule's name (kind rules: 1–128 chars of <c>[A-Za-z0-9_.:-]</c>).</summary>
    public required string Name { get; init; }
    /// <summary>The cron expression: five fields, or six with seconds first.</summary>
    public required string Expression { get; init; }
    /// <summary>The IANA time zone the expression is read in (<c>UTC</c> by default).</summary>
    public required string TimeZone { get; init; }
    /// <summary>The kind of the jobs it enqueues.</summary>
    public required string Kind { get; init; }
    /// <summary>The args of the jobs it enqueues: a JSON object or array, as text.</summary>
    public required string ArgsJson { get; init; }
    /// <summary>The options of the jobs it enqueues, as the core's own JSON text (the store does not read it).</summary>
    public required string OptionsJson { get; init; }
    /// <summary>What to do with ticks missed while no leader ran: <c>catch-up</c> or <c>skip</c>.</summary>
    public required string MissedTicks { get; init; }
    /// <summary>Who defined it: <c>code</c>, <c>config</c> or <c>cli</c> (shown by <c>cron list</c>; not part of the definition's equality).</summary>
    public required string Source { get; init; }

    /// <summary>True when every field but <see cref="Source"/> is equal.</summary>
    public bool SameScheduleAs(CronDefinition other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Name == other.Name && Expression == other.Expression && TimeZone == other.TimeZone && Kind == other.Kind
            && ArgsJson == other.ArgsJson && OptionsJson == other.OptionsJson && MissedTicks == other.MissedTicks;
    }
}

/// <summary>A stored schedule: its definition and what it last did.</summary>
/// <param name="Definition">The definition.</param>
/// <param name="Version">1 when created, one more at each change of definition.</param>
/// <param name="CreatedAt">When it was first stored.</param>
/// <param name="UpdatedAt">When its definition last changed (ticks are counted from then, or from the last tick if later).</param>
/// <param name="LastTick">The tick it last fired (or skipped), or null.</param>
/// <param name="LastJobId">The job its last fired tick enqueued, or null.</param>
/// <param name="LastFiredAt">When the leader last fired (or skipped) a tick, or null.</param>
public sealed record CronSchedule(CronDefinition Definition, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? LastTick, long? LastJobId, DateTimeOffset? LastFiredAt);

/// <summary>Create or replace a schedule at <paramref name="Now"/>.</summary>
public sealed record UpsertCronParams(CronDefinition Definition, DateTimeOffset Now);

/// <summary>What <see cref="ICronStore.UpsertCronAsync"/> did.</summary>
public enum CronUpsertOutcome
{
    /// <summary>There was no schedule of that name.</summary>
    Created,
    /// <summary>The definition changed.</summary>
    Updated,
    /// <summary>The stored definition was already this one.</summary>
    Unchanged,
}

/// <summary>Delete a schedule.</summary>
public sealed record RemoveCronParams(string Name);

/// <summary>List every schedule.</summary>
public sealed record ListCronParams;

/// <summary>Fire one tick of a schedule (see <see cref="ICronStore.FireCronAsync"/>).</summary>
/// <param name="Name">The schedule.</param>
/// <param name="Version">The version the caller read.</param>
/// <param name="ExpectedLastTick">The last tick the caller read.</param>
/// <param name="Tick">The tick fired; later than <paramref name="ExpectedLastTick"/>.</param>
/// <param name="Job">The job to insert, or null to advance the schedule without one (a skipped tick).</param>
/// <param name="Now">The leader's time.</param>
public sealed record FireCronParams(string Name, long Version, DateTimeOffset? ExpectedLastTick, DateTimeOffset Tick, NewJob? Job, DateTimeOffset Now);

/// <summary>The outcome of <see cref="ICronStore.FireCronAsync"/>.</summary>
/// <param name="Fired">True when this call advanced the schedule.</param>
/// <param name="JobId">The job it inserted (or the existing one its unique key matched), or null.</param>
public readonly record struct CronFireResult(bool Fired, long? JobId);
