namespace Conveyor;

/// <summary>
/// A recurring schedule: the job of <see cref="Kind"/> with <see cref="ArgsJson"/> and <see cref="Options"/> is enqueued at
/// each tick of <see cref="Cron"/>, read in <see cref="TimeZone"/>. The cluster's leader enqueues each tick exactly once.
/// </summary>
/// <param name="Name">The schedule's name, unique in the store (kind rules: 1–128 chars of <c>[A-Za-z0-9_.:-]</c>).</param>
/// <param name="Cron">Five fields (minute hour day-of-month month day-of-week), or six with seconds first; macros such as <c>@daily</c>.</param>
/// <param name="Kind">The kind of the jobs it enqueues.</param>
/// <param name="ArgsJson">Their args: a JSON object or array.</param>
public sealed record RecurringJob(string Name, string Cron, string Kind, string ArgsJson = "{}")
{
    /// <summary>
    /// How late a tick may be found and still be enqueued on its own: a tick later than this, or than three leader leases
    /// and a maintenance interval when that is longer (no leader ran meanwhile), counts as missed and follows
    /// <see cref="MissedTicks"/>. Longer than a leader hand-over, so that one never drops a tick.
    /// </summary>
    public static readonly TimeSpan MissedAfter = TimeSpan.FromMinutes(1);

    /// <summary>An IANA time zone (<c>Europe/Paris</c>); null or <c>UTC</c> for UTC. Daylight-saving changes follow crontab(5).</summary>
    public string? TimeZone { get; init; }

    /// <summary>
    /// Options of the enqueued jobs: queue, priority, maxAttempts, timeout, orderingKey, uniqueKey, uniqueFor.
    /// <c>RunAt</c>, <c>Delay</c> and <c>After</c> are refused: the tick sets when the job runs.
    /// </summary>
    public JobOptions? Options { get; init; }

    /// <summary>What to do with ticks missed while no leader ran; default <see cref="Conveyor.MissedTicks.CatchUp"/>.</summary>
    public MissedTicks MissedTicks { get; init; } = MissedTicks.CatchUp;
}
