using System.Globalization;
using System.Text.RegularExpressions;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Parsing;

/// <summary>
/// Durations on the command line and in the config file: a number with a unit (<c>500ms</c>, <c>10s</c>,
/// <c>1.5m</c>, <c>1h</c>, <c>2d</c>) or a clock span (<c>hh:mm:ss</c>, also <c>d.hh:mm:ss</c>). Never negative.
/// </summary>
internal static partial class Durations
{
    /// <summary>What to tell a person who wrote something else.</summary>
    public const string Forms = "use 500ms, 10s, 5m, 1h, 2d or hh:mm:ss";

    /// <summary>Parses <paramref name="text"/>; false when it is not a duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var trimmed = text.Trim();
        var match = WithUnit().Match(trimmed);
        if (match.Success)
        {
            var number = double.Parse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            var milliseconds = match.Groups[2].Value switch
            {
                "ms" => number,
                "s" => number * 1000,
                "m" => number * 60_000,
                "h" => number * 3_600_000,
                _ => number * 86_400_000,
            };
            if (milliseconds > TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
            value = TimeSpan.FromMilliseconds(milliseconds);
            return true;
        }
        if (trimmed.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParseExact(trimmed, ["c", @"h\:mm\:ss", @"hh\:mm\:ss"], CultureInfo.InvariantCulture, out var clock)
            && clock >= TimeSpan.Zero)
        {
            value = clock;
            return true;
        }
        return false;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="UsageException"/> naming <paramref name="what"/>.</summary>
    public static TimeSpan Parse(string? text, string what) =>
        TryParse(text, out var value) ? value : throw new UsageException($"bad duration '{text}' for {what}: {Forms}");

    /// <summary>A short human form: <c>250ms</c>, <c>10s</c>, <c>1.5s</c>, <c>5m</c>, <c>1h30m</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1)) return $"{value.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)}ms";
        if (value < TimeSpan.FromMinutes(1)) return $"{value.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s";
        if (value < TimeSpan.FromHours(1)) return value.Seconds == 0 ? $"{(int)value.TotalMinutes}m" : $"{(int)value.TotalMinutes}m{value.Seconds}s";
        if (value < TimeSpan.FromDays(1)) return value.Minutes == 0 ? $"{(int)value.TotalHours}h" : $"{(int)value.TotalHours}h{value.Minutes}m";
        return value.Hours == 0 ? $"{(int)value.TotalDays}d" : $"{(int)value.TotalDays}d{value.Hours}h";
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex WithUnit();
}
