using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// A node's time on a store with its own clock: the machine's clock plus the offset last measured against the store
/// (half a round trip of error at most). Only the wall clock moves; timers and timestamps are the machine's own, so
/// waits and durations are untouched by a re-measured offset.
/// </summary>
internal sealed class StoreTime(TimeProvider machine, IStoreClock store, ILogger logger) : TimeProvider
{
    /// <summary>An offset larger than this is worth a line in the log: the machine's clock is wrong.</summary>
    private static readonly TimeSpan NotableOffset = TimeSpan.FromSeconds(1);

    private const int Readings = 3;

    private long _offsetTicks;
    private long _measuredAt;

    public TimeSpan Offset => TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => machine.GetUtcNow() + Offset;

    public override long GetTimestamp() => machine.GetTimestamp();

    public override long TimestampFrequency => machine.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => machine.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        machine.CreateTimer(callback, state, dueTime, period);

    /// <summary>Measures the offset once (at start: a failure there fails the start).</summary>
    public async Task MeasureAsync(CancellationToken cancellationToken)
    {
        // The error is at most half the round trip: of three readings the one with the shortest round trip counts (the
        // first may include opening a connection, tens of milliseconds).
        var offset = TimeSpan.Zero;
        var shortest = TimeSpan.MaxValue;
        for (var reading = 0; reading < Readings; reading++)
        {
            var before = machine.GetTimestamp();
            var local = machine.GetUtcNow();
            var remote = await store.GetTimeAsync(cancellationToken).ConfigureAwait(false);
            var roundTrip = machine.GetElapsedTime(before);
            if (roundTrip >= shortest) continue;
            shortest = roundTrip;
            offset = remote - (local + roundTrip / 2);
        }
        var previous = Offset;
        Volatile.Write(ref _offsetTicks, offset.Ticks);
        Volatile.Write(ref _measuredAt, machine.GetTimestamp());
        if ((offset - previous).Duration() > NotableOffset)
            logger.LogWarning("This machine's clock is {Offset:0.###} s off the store's; Conveyor runs on the store's clock", -offset.TotalSeconds);
    }

    /// <summary>
    /// Measures unless the last measurement is younger than <paramref name="maxAge"/>. A node measures at start and then
    /// every heartbeat; a process that only enqueues measures here, before the enqueue that needs the time.
    /// </summary>
    public Task EnsureMeasuredAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var at = Volatile.Read(ref _measuredAt);
        return at != 0 && machine.GetElapsedTime(at) < maxAge ? Task.CompletedTask : MeasureAsync(cancellationToken);
    }

    /// <summary>Measures again every <paramref name="interval"/> until <paramref name="stop"/>: clocks drift and get corrected.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, machine, stop).ConfigureAwait(false);
                await MeasureAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store is unreachable: keep the last offset; the heartbeat reports the outage.
                logger.LogDebug(e, "Measuring the store's clock failed; keeping the last offset");
            }
        }
    }
}
