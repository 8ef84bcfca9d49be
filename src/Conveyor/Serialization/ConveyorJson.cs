using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conveyor.Serialization;

/// <summary>The JSON settings Conveyor uses everywhere it speaks JSON (API, CLI, handler arguments).</summary>
public static class ConveyorJson
{
    /// <summary>camelCase, enums as lower-case strings, nulls written (the contract shows them).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Times on the wire: UTC, ISO-8601, with a <c>Z</c>.</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
