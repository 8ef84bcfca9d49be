using System.Text.Json;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Config;

/// <summary>Reads the limit fields of a queue in the config file (<c>globalLimit</c>, <c>rateLimit</c>, <c>ordered</c>, <c>maxBacklog</c>).</summary>
internal static class ConfigLimits
{
    /// <summary>The known fields of a queue object, for messages.</summary>
    public const string Known = "concurrency, weight, globalLimit, rateLimit, ordered, maxBacklog";

    /// <summary><paramref name="limits"/> with the limit <paramref name="field"/> set; any problem is a <see cref="UsageException"/>.</summary>
    public static QueueLimits Read(QueueLimits limits, JsonProperty field, string where, string source) => field.Name switch
    {
        "globalLimit" => limits with { GlobalLimit = (int)Whole(field.Value, where, source, QueueLimits.MaxGlobalLimit) },
        "maxBacklog" => limits with { MaxBacklog = Whole(field.Value, where, source, QueueLimits.MaxMaxBacklog) },
        "ordered" => field.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? limits with { Ordered = field.Value.GetBoolean() }
            : throw new UsageException($"config file '{source}': {where} must be true or false"),
        "rateLimit" => limits with { RateLimit = Rate(field.Value, where, source) },
        _ => throw new UsageException($"config file '{source}': unknown setting {where} (known: {Known})"),
    };

    private static long Whole(JsonElement value, string where, string source, long max) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 1 && number <= max
            ? number
            : throw new UsageException($"config file '{source}': {where} must be a whole number 1–{max} (got {value.GetRawText()})");

    private static RateLimit Rate(JsonElement value, string where, string source)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw new UsageException($"config file '{source}': {where} must be a string N/PERIOD such as \"100/1m\" (got {value.GetRawText()})");
        return RateLimit.TryParse(value.GetString(), out var error) ?? throw new UsageException($"config file '{source}': {where}: {error}");
    }
}
