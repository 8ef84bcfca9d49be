using System.Text.Json;
using Conveyor.Recurring;

namespace Conveyor.Cli.Config;

/// <summary>
/// The <c>cron</c> section of the config file: name → <c>{"schedule": "0 3 * * *", "kind": "report.build", "args": {…},
/// "timeZone": "Europe/Paris", "missedTicks": "catch-up"|"skip", …job options}</c>, each a <see cref="RecurringJob"/>.
/// The job options are those of a recurring job: queue, priority, maxAttempts, timeout, orderingKey, uniqueKey, uniqueFor.
/// </summary>
internal static class CronConfig
{
    private const string Shape = """{"name": {"schedule": "0 3 * * *", "kind": "report.build", "args": {}, "timeZone": "Europe/Paris"}}""";

    private const string Known = "schedule, kind, args, timeZone, missedTicks, queue, priority, maxAttempts, timeout, orderingKey, uniqueKey, uniqueFor";

    public static IReadOnlyList<RecurringJob> Read(JsonElement section, ConfigReading read)
    {
        var jobs = new List<RecurringJob>();
        foreach (var schedule in read.Object(section, "cron", Shape))
        {
            var where = $"cron.{schedule.Name}";
            string? expression = null, kind = null, zone = null;
            var args = "{}";
            var missed = MissedTicks.CatchUp;
            var options = new JobOptions();
            foreach (var field in read.Object(schedule.Value, where, Shape))
            {
                var at = $"{where}.{field.Name}";
                switch (field.Name)
                {
                    case "schedule": expression = read.String(field.Value, at); break;
                    case "kind": kind = read.String(field.Value, at); break;
                    case "args":
                        if (field.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)) throw read.Error(at, "must be a JSON object or array");
                        args = field.Value.GetRawText();
                        break;
                    case "timeZone": zone = read.String(field.Value, at); break;
                    case "missedTicks":
                        missed = RecurringJobValidator.ParseMissedTicks(read.String(field.Value, at)) ?? throw read.Error(at, "must be \"catch-up\" or \"skip\"");
                        break;
                    case "queue": options = options with { Queue = read.String(field.Value, at) }; break;
                    case "priority": options = options with { Priority = read.Int(field.Value, at) }; break;
                    case "maxAttempts": options = options with { MaxAttempts = read.Int(field.Value, at) }; break;
                    case "timeout": options = options with { Timeout = read.Duration(field.Value, at) }; break;
                    case "orderingKey": options = options with { OrderingKey = read.String(field.Value, at) }; break;
                    case "uniqueKey": options = options with { UniqueKey = read.String(field.Value, at) }; break;
                    case "uniqueFor": options = options with { UniqueFor = read.Duration(field.Value, at) }; break;
                    default: throw read.Error(at, $"is not a setting of a cron schedule (known: {Known})");
                }
            }
            if (expression is null) throw read.Error($"{where}.schedule", "is required");
            if (kind is null) throw read.Error($"{where}.kind", "is required");
            jobs.Add(new RecurringJob(schedule.Name, expression, kind, args)
            {
                TimeZone = zone,
                Options = options == new JobOptions() ? null : options,
                MissedTicks = missed,
            });
        }
        return jobs;
    }
}
