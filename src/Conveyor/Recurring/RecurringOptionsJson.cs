using System.Text.Json;
using Conveyor.Validation;

namespace Conveyor.Recurring;

/// <summary>
/// The options of a schedule's jobs as stored (<see cref="Storage.CronDefinition.OptionsJson"/>): one JSON object with
/// the options set, in a fixed order, durations in milliseconds, so that the same options always give the same text.
/// </summary>
internal static class RecurringOptionsJson
{
    public static string Write(JobOptions? options)
    {
        var o = options ?? new JobOptions();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (o.Queue is not null) writer.WriteString("queue", o.Queue);
            if (o.Priority != 0) writer.WriteNumber("priority", o.Priority);
            if (o.MaxAttempts is { } attempts) writer.WriteNumber("maxAttempts", attempts);
            if (o.Timeout is { } timeout) writer.WriteNumber("timeoutMs", (long)timeout.TotalMilliseconds);
            if (o.OrderingKey is not null) writer.WriteString("orderingKey", o.OrderingKey);
            if (o.UniqueKey is not null) writer.WriteString("uniqueKey", o.UniqueKey);
            if (o.UniqueFor is { } uniqueFor) writer.WriteNumber("uniqueForMs", (long)uniqueFor.TotalMilliseconds);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads text written by <see cref="Write"/>; anything else throws <see cref="JobValidationException"/> on <c>options</c>.</summary>
    public static JobOptions Read(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Bad("is not a JSON object");
            var o = new JobOptions();
            foreach (var p in document.RootElement.EnumerateObject())
            {
                o = p.Name switch
                {
                    "queue" => o with { Queue = p.Value.GetString() },
                    "priority" => o with { Priority = p.Value.GetInt32() },
                    "maxAttempts" => o with { MaxAttempts = p.Value.GetInt32() },
                    "timeoutMs" => o with { Timeout = TimeSpan.FromMilliseconds(p.Value.GetInt64()) },
                    "orderingKey" => o with { OrderingKey = p.Value.GetString() },
                    "uniqueKey" => o with { UniqueKey = p.Value.GetString() },
                    "uniqueForMs" => o with { UniqueFor = TimeSpan.FromMilliseconds(p.Value.GetInt64()) },
                    _ => throw Bad($"has the unknown option '{p.Name}' (written by a newer Conveyor?)"),
                };
            }
            return o;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw Bad($"cannot be read: {e.Message}");
        }
    }

    private static JobValidationException Bad(string why) => new("options", $"the stored options of the schedule {why}");
}
