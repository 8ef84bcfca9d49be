namespace Conveyor.Dispatching;

/// <summary>Reads the time the way stores keep it: UTC, truncated to the microsecond.</summary>
internal static class Clock
{
    public static DateTimeOffset UtcNow(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
    }
}
