using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conveyor.Serialization;

/// <summary>
/// The JSON of a job's errors, <c>[{"attempt", "at", "type", "message", "stack"}, …]</c> with times as ISO-8601
/// UTC text: the <c>errors</c> of the job JSON, and how stores keep the column (readable in any SQL tool).
/// </summary>
public static class JobErrorJson
{
    /// <summary>An empty error list.</summary>
    public const string EmptyArray = "[]";

    /// <summary>Writes one error object.</summary>
    public static void Write(Utf8JsonWriter writer, JobError error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        writer.WriteNumber("attempt", error.Attempt);
        writer.WriteString("at", ConveyorJson.FormatTime(error.At));
        writer.WriteString("type", error.Type);
        writer.WriteString("message", error.Message);
        if (error.Stack is null) writer.WriteNull("stack");
        else writer.WriteString("stack", error.Stack);
        writer.WriteEndObject();
    }

    /// <summary>One error object as JSON text.</summary>
    public static string ToJson(JobError error)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, error);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A one-element array, for a job that starts with an error.</summary>
    public static string ToJsonArray(JobError error) => "[" + ToJson(error) + "]";

    /// <summary>How many errors of <paramref name="utf8Json"/> (an error array as UTF-8) have the type <paramref name="type"/>, without reading the rest.</summary>
    public static int CountOfType(ReadOnlySpan<byte> utf8Json, string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (utf8Json.Length <= 2) return 0;
        var reader = new Utf8JsonReader(utf8Json);
        var count = 0;
        while (reader.Read())
        {
            // Depth 2 is a property of an error object (1 is the array's items).
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 2 && reader.ValueTextEquals("type"u8)
                && reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(type))
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>Reads an error array back.</summary>
    public static IReadOnlyList<JobError> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length <= 2) return [];
        using var document = JsonDocument.Parse(json);
        var errors = new List<JobError>(document.RootElement.GetArrayLength());
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var stack = element.TryGetProperty("stack", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            errors.Add(new JobError(
                element.GetProperty("attempt").GetInt32(),
                DateTimeOffset.Parse(element.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                element.GetProperty("type").GetString() ?? "",
                element.GetProperty("message").GetString() ?? "",
                stack));
        }
        return errors;
    }
}
