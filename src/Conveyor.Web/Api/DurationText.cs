using System.Globalization;
using System.Text.Json;
using Conveyor.Validation;

namespace Conveyor.Web.Api;

/// <summary>
/// Durations in request bodies: a number of milliseconds, or a string like <c>250ms</c>, <c>10s</c>, <c>5m</c>,
/// <c>2h</c>, <c>1d</c>, or <c>hh:mm:ss</c>.
/// </summary>
internal static class DurationText
{
    public static TimeSpan Read(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (!value.TryGetDouble(out var ms) || double.IsNaN(ms) || Math.Abs(ms) > TimeSpan.MaxValue.TotalMilliseconds / 2)
                throw new JobValidationException(field, $"{field} is out of range");
            return TimeSpan.FromMilliseconds(ms);
        }
        if (value.ValueKind != JsonValueKind.String)
            throw new JobValidationException(field, $"{field} must be a number of milliseconds or a string like \"10s\"");
        var text = value.GetString()!.Trim();
        if (TryParse(text, out var duration)) return duration;
        throw new JobValidationException(field, $"{field} '{text}' is not a duration: use milliseconds, \"250ms\", \"10s\", \"5m\", \"2h\", \"1d\" or \"hh:mm:ss\"");
    }

    private static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Contains(':', StringComparison.Ordinal))
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : text.EndsWith('h') ? (text[..^1], 3_600_000.0)
            : text.EndsWith('d') ? (text[..^1], 86_400_000.0)
            : (text, 0.0);
        if (unit == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return false;
        var ms = value * unit;
        if (double.IsNaN(ms) || Math.Abs(ms) > TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
        duration = TimeSpan.FromMilliseconds(ms);
        return true;
    }
}
