using System.Text.Json;
using Conveyor.Recurring;

namespace Conveyor.Serialization;

/// <summary>
/// The JSON of the recurring schedules (<c>cron list --json</c>): <c>{"schedules": [{"name", "cron", "timeZone", "kind",
/// "args", "options", "missedTicks", "source", "createdAt", "updatedAt", "lastRun", "lastJobId", "nextRun"}]}</c>.
/// <c>options</c> holds the options set (durations in milliseconds: <c>timeoutMs</c>, <c>uniqueForMs</c>).
/// </summary>
internal static class CronJson
{
    public static void WriteSchedules(Utf8JsonWriter writer, IReadOnlyList<RecurringJobInfo> schedules)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(schedules);
        writer.WriteStartObject();
        writer.WriteStartArray("schedules");
        foreach (var schedule in schedules)
        {
            var job = schedule.Job;
            writer.WriteStartObject();
            writer.WriteString("name", job.Name);
            writer.WriteString("cron", job.Cron);
            writer.WriteString("timeZone", job.TimeZone ?? "UTC");
            writer.WriteString("kind", job.Kind);
            writer.WritePropertyName("args");
            writer.WriteRawValue(job.ArgsJson);
            writer.WritePropertyName("options");
            writer.WriteRawValue(RecurringOptionsJson.Write(job.Options));
            writer.WriteString("missedTicks", RecurringJobValidator.MissedTicksText(job.MissedTicks));
            writer.WriteString("source", schedule.Source);
            writer.WriteString("createdAt", ConveyorJson.FormatTime(schedule.CreatedAt));
            writer.WriteString("updatedAt", ConveyorJson.FormatTime(schedule.UpdatedAt));
            Time(writer, "lastRun", schedule.LastRun);
            if (schedule.LastJobId is { } id) writer.WriteNumber("lastJobId", id);
            else writer.WriteNull("lastJobId");
            Time(writer, "nextRun", schedule.NextRun);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Time(Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } t) writer.WriteString(name, ConveyorJson.FormatTime(t));
        else writer.WriteNull(name);
    }
}
