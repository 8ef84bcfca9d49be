using System.Text.Json;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Config;

/// <summary>Typed reads of one config file value, each failing with a <see cref="UsageException"/> that names the file and the setting.</summary>
internal sealed class ConfigReading(string source)
{
    public UsageException Error(string where, string problem) => new($"config file '{source}': {where} {problem}");

    public string String(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Error(where, "must be a string");

    public int Int(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : throw Error(where, "must be a whole number");

    public TimeSpan Duration(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.String && Durations.TryParse(value.GetString(), out var duration)
            ? duration
            : throw Error(where, $"must be a duration string: {Durations.Forms} (got {value.GetRawText()})");

    /// <summary>The properties of an object, each name once (a JSON reader would keep the last of a repeated name silently).</summary>
    public IEnumerable<JsonProperty> Object(JsonElement value, string where, string shape)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Error(where, $"must be an object: {shape}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (!seen.Add(property.Name)) throw Error($"{where}.{property.Name}", "is given twice");
            yield return property;
        }
    }
}
