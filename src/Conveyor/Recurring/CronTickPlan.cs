namespace Conveyor.Recurring;

/// <summary>
/// What the leader does for one schedule at <c>now</c>: the ticks to enqueue one by one, or one missed stretch to catch up
/// or skip, and when the schedule is next due. Ticks are counted after the schedule's anchor: its last tick, or the last
/// change of its definition when that is later (a new or changed schedule starts from the time it was stored).
/// </summary>
/// <param name="Ticks">The due ticks to enqueue in order, one job each (empty when none, or when <paramref name="Missed"/>).</param>
/// <param name="Missed">The latest tick of a missed stretch (the first due tick was more than the grace late); it stands for the whole stretch.</param>
/// <param name="Next">The first tick after the ones planned here (after now), or null when the expression has none left.</param>
internal sealed record CronTickPlan(IReadOnlyList<DateTimeOffset> Ticks, DateTimeOffset? Missed, DateTimeOffset? Next)
{
    /// <summary>The most ticks enqueued one by one in one pass; the rest wait for the next pass (at once, since they are due).</summary>
    public const int MaxTicksPerPass = 1000;

    /// <summary>Where ticks are counted from: the last tick, or the last change of the definition when later.</summary>
    public static DateTimeOffset Anchor(DateTimeOffset? lastTick, DateTimeOffset updatedAt) =>
        lastTick is { } last && last > updatedAt ? last : updatedAt;

    public static CronTickPlan For(CronTimetable timetable, DateTimeOffset? lastTick, DateTimeOffset updatedAt, DateTimeOffset now, TimeSpan missedAfter)
    {
        var first = timetable.NextAfter(Anchor(lastTick, updatedAt));
        if (first is not { } tick || tick > now) return new([], null, first);
        if (now - tick > missedAfter)
        {
            // No leader ran for a while: one tick stands for the stretch, then the schedule goes on from now.
            var latest = timetable.LatestAtOrBefore(now) ?? tick;
            return new([], latest, timetable.NextAfter(latest));
        }
        var ticks = new List<DateTimeOffset>();
        DateTimeOffset? next = tick;
        while (next is { } due && due <= now && ticks.Count < MaxTicksPerPass)
        {
            ticks.Add(due);
            next = timetable.NextAfter(due);
        }
        return new(ticks, null, next);
    }
}
