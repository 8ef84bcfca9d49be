using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Serialization;

/// <summary>
/// Writes and reads the job JSON of the contract. Args and result are written as raw JSON (they are
/// stored as JSON text already, so re-parsing them would only cost time).
/// </summary>
public sealed class JobInfoJsonConverter : JsonConverter<JobInfo>
{
    public override void Write(Utf8JsonWriter writer, JobInfo job, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", job.Id);
        writer.WriteString("kind", job.Kind);
        writer.WriteString("queue", job.Queue);
        writer.WriteString("state", job.State.ToWireName());
        writer.WritePropertyName("args");
        writer.WriteRawValue(job.ArgsJson, skipInputValidation: true);
        writer.WriteNumber("priority", job.Priority);
        writer.WriteNumber("attempt", job.Attempt);
        writer.WriteNumber("maxAttempts", job.MaxAttempts);
        WriteTime(writer, "runAt", job.RunAt);
        WriteTime(writer, "createdAt", job.CreatedAt);
        WriteTime(writer, "startedAt", job.StartedAt);
        WriteTime(writer, "finishedAt", job.FinishedAt);
        if (job.Timeout is { } timeout) writer.WriteNumber("timeoutMs", (long)timeout.TotalMilliseconds);
        else writer.WriteNull("timeoutMs");
        WriteString(writer, "orderingKey", job.OrderingKey);
        WriteString(writer, "uniqueKey", job.UniqueKey);
        WriteString(writer, "affinityKey", job.AffinityKey);
        if (job.AfterJobId is { } after) writer.WriteNumber("after", after); else writer.WriteNull("after");
        if (job.BatchId is { } batch) writer.WriteNumber("batchId", batch); else writer.WriteNull("batchId");
        WriteString(writer, "node", job.Node);
        WriteTime(writer, "leaseExpiresAt", job.LeaseExpiresAt);
        if (job.Progress is { } progress)
        {
            writer.WriteStartObject("progress");
            if (progress.Percent is { } percent) writer.WriteNumber("percent", percent); else writer.WriteNull("percent");
            WriteString(writer, "message", progress.Message);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("progress");
        }
        writer.WritePropertyName("result");
        if (job.ResultJson is null) writer.WriteNullValue();
        else writer.WriteRawValue(job.ResultJson, skipInputValidation: true);
        writer.WriteStartArray("errors");
        foreach (var error in job.Errors) JobErrorJson.Write(writer, error);
        writer.WriteEndArray();
        if (job.NoHandler) writer.WriteBoolean("noHandler", true);
        writer.WriteEndObject();
    }

    public override JobInfo Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("a job must be a JSON object");
        if (!JobStates.TryParse(root.GetProperty("state").GetString(), out var state))
            throw new JsonException("unknown job state");
        var errors = new List<JobError>();
        if (root.TryGetProperty("errors", out var errorArray) && errorArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in errorArray.EnumerateArray())
            {
                errors.Add(new JobError(e.GetProperty("attempt").GetInt32(), e.GetProperty("at").GetDateTimeOffset(),
                    e.GetProperty("type").GetString() ?? "", e.GetProperty("message").GetString() ?? "", OptionalString(e, "stack")));
            }
        }
        JobProgress? progress = null;
        if (root.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            progress = new JobProgress(p.TryGetProperty("percent", out var pc) && pc.ValueKind == JsonValueKind.Number ? pc.GetInt32() : null, OptionalString(p, "message"));
        }
        return new JobInfo
        {
            Id = root.GetProperty("id").GetInt64(),
            Kind = root.GetProperty("kind").GetString()!,
            Queue = root.GetProperty("queue").GetString()!,
            State = state,
            ArgsJson = root.GetProperty("args").GetRawText(),
            Priority = root.GetProperty("priority").GetInt32(),
            Attempt = root.GetProperty("attempt").GetInt32(),
            MaxAttempts = root.GetProperty("maxAttempts").GetInt32(),
            RunAt = root.GetProperty("runAt").GetDateTimeOffset(),
            CreatedAt = root.GetProperty("createdAt").GetDateTimeOffset(),
            StartedAt = OptionalTime(root, "startedAt"),
            FinishedAt = OptionalTime(root, "finishedAt"),
            Timeout = root.TryGetProperty("timeoutMs", out var t) && t.ValueKind == JsonValueKind.Number ? TimeSpan.FromMilliseconds(t.GetInt64()) : null,
            OrderingKey = OptionalString(root, "orderingKey"),
            UniqueKey = OptionalString(root, "uniqueKey"),
            AffinityKey = OptionalString(root, "affinityKey"),
            AfterJobId = root.TryGetProperty("after", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt64() : null,
            BatchId = root.TryGetProperty("batchId", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetInt64() : null,
            Node = OptionalString(root, "node"),
            LeaseExpiresAt = OptionalTime(root, "leaseExpiresAt"),
            Progress = progress,
            ResultJson = root.TryGetProperty("result", out var r) && r.ValueKind != JsonValueKind.Null ? r.GetRawText() : null,
            Errors = errors,
        };
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? OptionalTime(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;

    private static void WriteString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null) writer.WriteNull(name); else writer.WriteString(name, value);
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } time) writer.WriteString(name, ConveyorJson.FormatTime(time)); else writer.WriteNull(name);
    }
}
