namespace Conveyor.Sqlite.Jobs;

/// <summary>Times as stored: INTEGER microseconds since the Unix epoch, UTC.</summary>
internal static class UnixMicros
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMicrosecond;
    private static readonly long EpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    public static long From(DateTimeOffset time) => (time.UtcTicks - EpochTicks) / TicksPerMicrosecond;

    public static long? From(DateTimeOffset? time) => time is { } t ? From(t) : null;

    public static DateTimeOffset ToTime(long micros) => new(EpochTicks + micros * TicksPerMicrosecond, TimeSpan.Zero);

    public static long FromSpan(TimeSpan span) => span.Ticks / TicksPerMicrosecond;

    public static long? FromSpan(TimeSpan? span) => span is { } s ? FromSpan(s) : null;

    public static TimeSpan ToSpan(long micros) => TimeSpan.FromTicks(micros * TicksPerMicrosecond);
}
