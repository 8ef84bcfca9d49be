using Conveyor.Storage;
using Conveyor.Validation;

namespace Conveyor.Recurring;

/// <summary>Checks a <see cref="RecurringJob"/> and turns it into what the store keeps, and a stored one into the job of a tick.</summary>
internal sealed class RecurringJobValidator(ConveyorOptions options)
{
    private readonly JobValidator _jobs = new(options);

    /// <summary>Validates <paramref name="job"/> (bad input throws <see cref="JobValidationException"/>) and normalises it for the store.</summary>
    public CronDefinition ToDefinition(RecurringJob job, string source)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (Names.Check(job.Name, Names.MaxKindLength, "name") is { } badName) throw new JobValidationException("name", badName);
        var timetable = CronTimetable.Parse(job.Cron, job.TimeZone);
        if (job.Options is { } o)
        {
            const string why = "cannot be set on a recurring job: each tick sets when its job runs";
            if (o.RunAt is not null) throw new JobValidationException("runAt", $"runAt {why}");
            if (o.Delay is not null) throw new JobValidationException("delay", $"delay {why}");
            if (o.After is not null) throw new JobValidationException("after", "after cannot be set on a recurring job: a schedule has no parent job");
        }
        // The same checks an enqueue makes, now rather than at the first tick.
        _jobs.Validate(new JobRequest(job.Kind, job.ArgsJson, job.Options), DateTimeOffset.UnixEpoch);
        if (!Enum.IsDefined(job.MissedTicks)) throw new JobValidationException("missedTicks", "must be catch-up or skip");
        return new CronDefinition
        {
            Name = job.Name,
            Expression = timetable.Expression,
            TimeZone = timetable.ZoneId,
            Kind = job.Kind,
            ArgsJson = job.ArgsJson,
            OptionsJson = RecurringOptionsJson.Write(job.Options),
            MissedTicks = MissedTicksText(job.MissedTicks),
            Source = source,
        };
    }

    /// <summary>The job a tick of <paramref name="definition"/> enqueues: its run_at is the tick.</summary>
    public NewJob JobFor(CronDefinition definition, DateTimeOffset tick, DateTimeOffset now) =>
        _jobs.Validate(new JobRequest(definition.Kind, definition.ArgsJson, RecurringOptionsJson.Read(definition.OptionsJson) with { RunAt = tick }), now);

    /// <summary>The definition as the public record.</summary>
    public static RecurringJob ToJob(CronDefinition definition)
    {
        var options = RecurringOptionsJson.Read(definition.OptionsJson);
        return new RecurringJob(definition.Name, definition.Expression, definition.Kind, definition.ArgsJson)
        {
            TimeZone = definition.TimeZone,
            Options = options == new JobOptions() ? null : options,
            MissedTicks = ParseMissedTicks(definition.MissedTicks) ?? MissedTicks.CatchUp,
        };
    }

    /// <summary>The wire name: <c>catch-up</c> or <c>skip</c>.</summary>
    public static string MissedTicksText(MissedTicks missed) => missed == MissedTicks.Skip ? "skip" : "catch-up";

    /// <summary>Reads a wire name (<c>catch-up</c> or <c>skip</c>); null for anything else.</summary>
    public static MissedTicks? ParseMissedTicks(string? text) => text switch
    {
        "catch-up" => MissedTicks.CatchUp,
        "skip" => MissedTicks.Skip,
        _ => null,
    };
}
