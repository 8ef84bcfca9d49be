using System.Globalization;

namespace Conveyor;

/// <summary>
/// A cluster-wide rate limit of a queue: at most <see cref="Count"/> job starts in any window of <see cref="Period"/>
/// across all nodes. Written <c>N/PERIOD</c>: <c>100/1m</c>, <c>50/1s</c>, <c>10/500ms</c> (units ms, s, m, h, d).
/// </summary>
public sealed record RateLimit
{
    /// <summary>The largest count.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>The longest period.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(1);

    /// <summary>A rate limit of <paramref name="count"/> starts per <paramref name="period"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is not 1–1,000,000, or the period not 1 ms–1 day.</exception>
    public RateLimit(int count, TimeSpan period)
    {
        if (count is < 1 or > MaxCount)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"a rate limit's count must be 1–{MaxCount}");
        if (period < TimeSpan.FromMilliseconds(1) || period > MaxPeriod)
            throw new ArgumentOutOfRangeException(nameof(period), period, "a rate limit's period must be 1ms–1d");
        Count = count;
        Period = period;
    }

    /// <summary>The most job starts in any window of <see cref="Period"/>.</summary>
    public int Count { get; }

    /// <summary>The window.</summary>
    public TimeSpan Period { get; }

    /// <summary>
    /// How long a store keeps a start in its log: the window plus a margin of one more period, at least 10 s. A claim
    /// reads its time before it waits for the queue's turn, so claims can reach the store out of time order; one stamped
    /// earlier than the last still finds every start of its own window.
    /// </summary>
    public TimeSpan StartLogRetention =>
        Period + (Period > TimeSpan.FromSeconds(MinStartLogMarginSeconds) ? Period : TimeSpan.FromSeconds(MinStartLogMarginSeconds));

    /// <summary>The least margin of <see cref="StartLogRetention"/> past the window, in seconds.</summary>
    public const int MinStartLogMarginSeconds = 10;

    /// <summary>Parses <c>N/PERIOD</c>; null with <paramref name="error"/> set when <paramref name="text"/> is not one.</summary>
    public static RateLimit? TryParse(string? text, out string? error)
    {
        error = null;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0)
        {
            error = $"'{text}' is not a rate limit: write N/PERIOD, such as 100/1m or 50/1s";
            return null;
        }
        if (!int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxCount)
        {
            error = $"rate limit '{text}': the count must be a whole number 1–{MaxCount}";
            return null;
        }
        var period = text[(slash + 1)..];
        var unitAt = 0;
        while (unitAt < period.Length && char.IsAsciiDigit(period[unitAt])) unitAt++;
        var unit = period[unitAt..];
        TimeSpan? perUnit = unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            "d" => TimeSpan.FromDays(1),
            _ => null,
        };
        long amount = 1;
        if (perUnit is null || (unitAt > 0 && !long.TryParse(period.AsSpan(0, unitAt), NumberStyles.None, CultureInfo.InvariantCulture, out amount)))
        {
            error = $"rate limit '{text}': the period must be a number and a unit (ms, s, m, h, d), such as 1m";
            return null;
        }
        if (amount < 1 || amount > MaxPeriod.Ticks / perUnit.Value.Ticks)
        {
            error = $"rate limit '{text}': the period must be 1ms–1d";
            return null;
        }
        return new RateLimit(count, TimeSpan.FromTicks(perUnit.Value.Ticks * amount));
    }

    /// <summary>Parses <c>N/PERIOD</c>.</summary>
    /// <exception cref="FormatException">Not a rate limit; the message says why.</exception>
    public static RateLimit Parse(string text) => TryParse(text, out var error) ?? throw new FormatException(error);

    /// <summary><c>N/PERIOD</c> in the largest unit that divides the period (<c>100/1m</c>).</summary>
    public override string ToString()
    {
        (long Ticks, string Unit)[] units = [(TimeSpan.TicksPerDay, "d"), (TimeSpan.TicksPerHour, "h"), (TimeSpan.TicksPerMinute, "m"),
            (TimeSpan.TicksPerSecond, "s"), (TimeSpan.TicksPerMillisecond, "ms")];
        foreach (var (ticks, unit) in units)
        {
            if (Period.Ticks % ticks == 0)
                return string.Create(CultureInfo.InvariantCulture, $"{Count}/{Period.Ticks / ticks}{unit}");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{Count}/{(long)Period.TotalMilliseconds}ms");
    }
}
