using Conveyor.Validation;
using Cronos;

namespace Conveyor.Recurring;

/// <summary>
/// A parsed cron expression in its time zone: when its ticks fall. Parsing and the daylight-saving rules are Cronos's,
/// which follow crontab(5): on a spring-forward night a fixed-time tick inside the skipped hour fires once at the end of
/// the gap, and on a fall-back night a fixed-time tick in the repeated hour fires once (the first time); ticks of
/// interval fields (<c>*/15</c>, <c>*</c>) follow the real clock, so they skip the missing hour and repeat in the extra one.
/// </summary>
internal sealed class CronTimetable
{
    private readonly CronExpression _expression;

    private CronTimetable(string expression, CronExpression parsed, TimeZoneInfo zone, string zoneId)
    {
        Expression = expression;
        _expression = parsed;
        Zone = zone;
        ZoneId = zoneId;
    }

    /// <summary>The expression as given (trimmed).</summary>
    public string Expression { get; }

    /// <summary>The zone its fields are read in.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>The zone's id as stored: <c>UTC</c> or an IANA id.</summary>
    public string ZoneId { get; }

    /// <summary>
    /// Parses <paramref name="expression"/> (5 fields, 6 with seconds first, or a macro such as <c>@daily</c>) in
    /// <paramref name="timeZone"/> (null for UTC). Bad input throws <see cref="JobValidationException"/> on <c>cron</c> or <c>timeZone</c>.
    /// </summary>
    public static CronTimetable Parse(string? expression, string? timeZone)
    {
        var text = expression?.Trim();
        if (string.IsNullOrEmpty(text)) throw new JobValidationException("cron", "is required", null);
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        CronFormat format;
        if (text.StartsWith('@') || fields == 5) format = CronFormat.Standard;
        else if (fields == 6) format = CronFormat.IncludeSeconds;
        else
        {
            throw new JobValidationException("cron",
                $"must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; '{text}' has {fields}", null);
        }
        CronExpression parsed;
        try
        {
            parsed = CronExpression.Parse(text, format);
        }
        catch (CronFormatException e)
        {
            throw new JobValidationException("cron", $"'{text}' is not a valid cron expression: {e.Message.TrimEnd('.')}", text,
                $"cron '{text}' is not a valid cron expression: {e.Message.TrimEnd('.')}");
        }
        var (zone, zoneId) = FindZone(timeZone);
        return new CronTimetable(text, parsed, zone, zoneId);
    }

    /// <summary>The first tick strictly after <paramref name="time"/>, in UTC; null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset time) =>
        _expression.GetNextOccurrence(time.ToUniversalTime(), Zone, inclusive: false)?.ToUniversalTime();

    /// <summary>The last tick at or before <paramref name="time"/>, in UTC; null when there is none.</summary>
    public DateTimeOffset? LatestAtOrBefore(DateTimeOffset time) =>
        _expression.GetPreviousOccurrence(time.ToUniversalTime(), Zone, inclusive: true)?.ToUniversalTime();

    private static (TimeZoneInfo Zone, string Id) FindZone(string? timeZone)
    {
        var id = timeZone?.Trim();
        if (string.IsNullOrEmpty(id) || id.Equals("UTC", StringComparison.OrdinalIgnoreCase)) return (TimeZoneInfo.Utc, "UTC");
        try
        {
            return (TimeZoneInfo.FindSystemTimeZoneById(id), id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw new JobValidationException("timeZone", "is not a known IANA time zone (such as Europe/Paris or America/New_York)", id,
                $"time zone '{id}' is not a known IANA time zone (such as Europe/Paris or America/New_York)");
        }
    }
}
