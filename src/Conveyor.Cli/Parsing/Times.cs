using System.Globalization;
using System.Text.RegularExpressions;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Parsing;

/// <summary>
/// Points in time on the command line (<c>--at</c>): strict ISO-8601 in its extended form, whatever the culture:
/// a date (<c>2026-11-22</c>, midnight), or a date and time <c>2026-11-22T10:00</c>, <c>…T10:00:00</c> or
/// <c>…T10:00:00.250</c> (up to 7 fraction digits), followed by <c>Z</c>, an offset (<c>+02:00</c>, <c>-05:30</c>)
/// or nothing. Without an offset the time is UTC. Nothing else (no <c>1/2/2030</c>, month names, a time alone,
/// a space for the <c>T</c>, or an offset without its colon), since such forms read differently from one culture
/// to the next.
/// </summary>
internal static partial class Times
{
    /// <summary>What to tell a person who wrote something else.</summary>
    public const string Forms = "use ISO-8601, as in 2026-11-22, 2026-11-22T10:00:00Z or 2026-11-22T12:00:00+02:00 (UTC unless an offset is given)";

    /// <summary>Parses <paramref name="text"/> into a UTC time; false when it is not one of the ISO-8601 forms above.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null) return false;
        var match = Iso8601().Match(text);
        if (!match.Success) return false;
        int Number(int group) => match.Groups[group].Success
            ? int.Parse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture)
            : 0;
        int year = Number(1), month = Number(2), day = Number(3), hour = Number(4), minute = Number(5), second = Number(6);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        if (hour > 23 || minute > 59 || second > 59) return false;
        var fraction = match.Groups[7].Success
            ? long.Parse(match.Groups[7].Value.PadRight(7, '0'), NumberStyles.None, CultureInfo.InvariantCulture)
            : 0;
        var offset = TimeSpan.Zero;
        if (match.Groups[8].Success)
        {
            var offsetHours = Number(9);
            var offsetMinutes = Number(10);
            if (offsetMinutes > 59 || offsetHours * 60 + offsetMinutes > 14 * 60) return false;
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (match.Groups[8].Value == "-") offset = -offset;
        }
        try
        {
            var clock = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(fraction);
            value = new DateTimeOffset(clock, offset).ToUniversalTime();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // At the very ends of the calendar (0001-01-01T00:00+01:00): not a time a DateTimeOffset can hold.
            return false;
        }
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="UsageException"/> naming <paramref name="what"/>.</summary>
    public static DateTimeOffset Parse(string? text, string what) =>
        TryParse(text, out var value) ? value : throw new UsageException($"bad time '{text}' for {what}: {Forms}");

    /// <summary>How the CLI shows a time to a person: UTC, to the second.</summary>
    public static string Format(DateTimeOffset? value) =>
        value is { } time ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    // [0-9], not \d: \d would also match the digits of other scripts; \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,7}))?)?(?:Z|([+-])([0-9]{2}):([0-9]{2}))?)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601();
}
