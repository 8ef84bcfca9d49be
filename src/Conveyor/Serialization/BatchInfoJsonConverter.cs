using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Serialization;

/// <summary>
/// Writes and reads the batch JSON (<c>conveyor batches show --json</c>, and the HTTP API's batch):
/// <c>{"id", "createdAt", "total", "remaining", "complete", "deadline", "cancelledAt", "cancelReason",
/// "callback": {"id", "kind", "state"}, "counts": {every state}}</c>.
/// </summary>
public sealed class BatchInfoJsonConverter : JsonConverter<BatchInfo>
{
    public override void Write(Utf8JsonWriter writer, BatchInfo batch, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", batch.Id);
        writer.WriteString("createdAt", ConveyorJson.FormatTime(batch.CreatedAt));
        writer.WriteNumber("total", batch.Total);
        writer.WriteNumber("remaining", batch.Remaining);
        writer.WriteBoolean("complete", batch.Complete);
        WriteTime(writer, "deadline", batch.Deadline);
        WriteTime(writer, "cancelledAt", batch.CancelledAt);
        if (batch.CancelReason is { } reason) writer.WriteString("cancelReason", reason); else writer.WriteNull("cancelReason");
        writer.WriteStartObject("callback");
        writer.WriteNumber("id", batch.CallbackJobId);
        if (batch.CallbackKind is { } kind) writer.WriteString("kind", kind); else writer.WriteNull("kind");
        if (batch.CallbackState is { } state) writer.WriteString("state", state.ToWireName()); else writer.WriteNull("state");
        writer.WriteEndObject();
        writer.WriteStartObject("counts");
        foreach (var s in JobStates.All) writer.WriteNumber(s.ToWireName(), batch.Counts.GetValueOrDefault(s));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public override BatchInfo Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var callback = root.GetProperty("callback");
        var counts = new Dictionary<JobState, long>();
        foreach (var property in root.GetProperty("counts").EnumerateObject())
        {
            if (!JobStates.TryParse(property.Name, out var s)) throw new JsonException($"unknown state '{property.Name}' in counts");
            counts[s] = property.Value.GetInt64();
        }
        JobState? callbackState = null;
        if (callback.GetProperty("state").GetString() is { } stateName)
            callbackState = JobStates.TryParse(stateName, out var parsed) ? parsed : throw new JsonException($"unknown state '{stateName}'");
        return new BatchInfo
        {
            Id = root.GetProperty("id").GetInt64(),
            CreatedAt = ReadTime(root, "createdAt") ?? throw new JsonException("createdAt is missing"),
            Total = root.GetProperty("total").GetInt32(),
            Remaining = root.GetProperty("remaining").GetInt32(),
            Deadline = ReadTime(root, "deadline"),
            CancelledAt = ReadTime(root, "cancelledAt"),
            CancelReason = root.TryGetProperty("cancelReason", out var r) ? r.GetString() : null,
            CallbackJobId = callback.GetProperty("id").GetInt64(),
            CallbackKind = callback.GetProperty("kind").GetString(),
            CallbackState = callbackState,
            Counts = counts,
        };
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } t) writer.WriteString(name, ConveyorJson.FormatTime(t)); else writer.WriteNull(name);
    }

    private static DateTimeOffset? ReadTime(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : null;
}
