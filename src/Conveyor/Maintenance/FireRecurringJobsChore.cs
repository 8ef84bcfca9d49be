using Conveyor.Dispatching;
using Conveyor.Recurring;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Maintenance;

/// <summary>
/// Enqueues the due ticks of the recurring schedules (<see cref="ICronStore"/>). Each tick is fired by
/// <see cref="ICronStore.FireCronAsync"/>, which inserts its job and advances the schedule in one transaction, only
/// while the schedule still has the version and last tick read here: two leaders overlapping in a hand-over, or a
/// leader retrying after a failure, can never enqueue a tick twice, and a tick not yet fired is fired by the next leader.
/// A tick found more than <see cref="MissedAfter"/> late (no leader ran) counts as missed and follows the schedule's
/// <see cref="MissedTicks"/>.
/// </summary>
internal sealed class FireRecurringJobsChore(JobServerCore core, RecurringJobValidator validator) : IWakingLeaderChore
{
    private readonly Dictionary<(string Expression, string Zone), CronTimetable> _timetables = [];
    private readonly HashSet<(string Name, long Version)> _reported = [];

    public string Name => "fire recurring jobs";

    public DateTimeOffset? NextDueAt { get; private set; }

    /// <summary>
    /// The grace after which a tick counts as missed: a minute, or longer when a leader hand-over can take longer
    /// (a leader that dies is replaced once its lease has run out).
    /// </summary>
    internal TimeSpan MissedAfter
    {
        get
        {
            var handOver = core.Options.LeaderLeaseDuration * 3 + core.Options.MaintenanceInterval;
            return handOver > RecurringJob.MissedAfter ? handOver : RecurringJob.MissedAfter;
        }
    }

    public async Task RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        NextDueAt = null;
        if (core.Store.Cron is not { } cron) return;
        var schedules = await cron.ListCronAsync(new ListCronParams(), cancellationToken).ConfigureAwait(false);
        DateTimeOffset? next = null;
        foreach (var schedule in schedules)
        {
            var due = await FireAsync(cron, schedule, now, cancellationToken).ConfigureAwait(false);
            if (due is { } at && (next is null || at < next)) next = at;
        }
        NextDueAt = next;
    }

    /// <summary>Fires the due ticks of one schedule; returns when it is next due.</summary>
    private async Task<DateTimeOffset?> FireAsync(ICronStore cron, CronSchedule schedule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var definition = schedule.Definition;
        CronTimetable timetable;
        try
        {
            timetable = Timetable(definition);
            var plan = CronTickPlan.For(timetable, schedule.LastTick, schedule.UpdatedAt, now, MissedAfter);
            var lastTick = schedule.LastTick;
            if (plan.Missed is { } missed)
            {
                var skip = RecurringJobValidator.ParseMissedTicks(definition.MissedTicks) == MissedTicks.Skip;
                var job = skip ? null : validator.JobFor(definition, missed, now);
                var fired = await cron.FireCronAsync(new FireCronParams(definition.Name, schedule.Version, lastTick, missed, job, now), cancellationToken).ConfigureAwait(false);
                if (fired.Fired)
                {
                    core.Logger.LogWarning(skip
                        ? "Recurring job {Name} missed its ticks from {First:u} to {Last:u} (no leader ran); skipped them as configured"
                        : "Recurring job {Name} missed its ticks from {First:u} to {Last:u} (no leader ran); enqueued job {JobId} once to catch up",
                        definition.Name, timetable.NextAfter(CronTickPlan.Anchor(lastTick, schedule.UpdatedAt)), missed, fired.JobId);
                }
                return fired.Fired ? plan.Next : timetable.NextAfter(now);
            }
            foreach (var tick in plan.Ticks)
            {
                var job = validator.JobFor(definition, tick, now);
                var fired = await cron.FireCronAsync(new FireCronParams(definition.Name, schedule.Version, lastTick, tick, job, now), cancellationToken).ConfigureAwait(false);
                // Another leader fired it, or the schedule changed meanwhile: the next pass reads it afresh.
                if (!fired.Fired) return timetable.NextAfter(now);
                core.Logger.LogInformation("Recurring job {Name} enqueued job {JobId} for its tick {Tick:u}", definition.Name, fired.JobId, tick);
                lastTick = tick;
            }
            return plan.Next;
        }
        catch (Validation.JobValidationException e)
        {
            // A definition this node cannot read (a newer version wrote it, or this node's payload limit is lower) is
            // reported once per version and left to a node that can.
            if (_reported.Add((definition.Name, schedule.Version)))
                core.Logger.LogError("Recurring job {Name} cannot be fired by this node: {Reason}", definition.Name, e.Reason);
            return null;
        }
    }

    private CronTimetable Timetable(CronDefinition definition)
    {
        var key = (definition.Expression, definition.TimeZone);
        if (!_timetables.TryGetValue(key, out var timetable))
        {
            timetable = CronTimetable.Parse(definition.Expression, definition.TimeZone);
            _timetables[key] = timetable;
        }
        return timetable;
    }
}
