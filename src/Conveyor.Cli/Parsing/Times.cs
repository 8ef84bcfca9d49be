using System.Globalization;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Parsing;

/// <summary>Points in time on the command line (<c>--at</c>): ISO-8601; without an offset the time is UTC.</summary>
internal static class Times
{
    /// <summary>Parses <paramref name="text"/>; false when it is not an ISO-8601 time.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    /// <summary>Parses <paramref name="text"/> or throws <see cref="UsageException"/> naming <paramref name="what"/>.</summary>
    public static DateTimeOffset Parse(string? text, string what) =>
        TryParse(text, out var value) ? value : throw new UsageException($"bad time '{text}' for {what}: use ISO-8601, as in 2026-11-22T10:00:00Z");

    /// <summary>How the CLI shows a time to a person: UTC, to the second.</summary>
    public static string Format(DateTimeOffset? value) =>
        value is { } time ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";
}
