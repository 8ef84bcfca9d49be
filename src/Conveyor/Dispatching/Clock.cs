namespace Conveyor.Dispatching;

/// <summary>Reads the time the way stores keep it: UTC, truncated to the microsecond.</summary>
internal static class Clock
{
    public static DateTimeOffset UtcNow(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
    }

    /// <summary>How old the store clock's offset may be when a client or monitor reads the time.</summary>
    private static readonly TimeSpan MeasurementMaxAge = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <see cref="UtcNow"/> on the clock the nodes claim by. On a store with its own clock (<see cref="StoreTime"/>), a
    /// process without a node has not measured the offset: it measures before the first call that needs the time, then
    /// once a minute, so the jobs it stamps and the nodes it judges live count from the store's time, not from this
    /// machine's (which may be minutes off).
    /// </summary>
    public static async ValueTask<DateTimeOffset> StoreNowAsync(this TimeProvider time, CancellationToken cancellationToken)
    {
        if (time is StoreTime storeTime)
            await storeTime.EnsureMeasuredAsync(MeasurementMaxAge, cancellationToken).ConfigureAwait(false);
        return time.UtcNow();
    }
}
