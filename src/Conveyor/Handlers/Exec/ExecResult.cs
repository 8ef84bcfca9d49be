using System.Text;
using System.Text.Json;

namespace Conveyor.Handlers.Exec;

/// <summary>
/// The result of a successful exec job from its stdout: a valid JSON document is stored as that JSON; any other text is
/// stored as a JSON string holding it exactly; empty output (or only whitespace) stores no result.
/// </summary>
internal static class ExecResult
{
    public static string? ToJson(ReadOnlySpan<byte> stdout)
    {
        var text = Encoding.UTF8.GetString(stdout);
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (IsStorableJson(text)) return text.Trim();
        // A NUL cannot be stored in a text value; the rest of the text is kept as it came.
        return JsonSerializer.Serialize(text.Replace('\0', '\uFFFD'));
    }

    /// <summary>Valid JSON that every store keeps: no NUL character and no lone surrogate in its strings.</summary>
    private static bool IsStorableJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return Storable(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Storable(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return StorableText(element);
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (!Storable(item)) return false;
                }
                return true;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name.Contains('\0', StringComparison.Ordinal) || !Storable(property.Value)) return false;
                }
                return true;
            default:
                return true;
        }
    }

    private static bool StorableText(JsonElement element)
    {
        try
        {
            return !element.GetString()!.Contains('\0', StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return false; // a lone surrogate
        }
    }
}
