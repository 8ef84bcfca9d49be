namespace Conveyor.Bench;

/// <summary>
/// Ends a wait that no longer moves: a measure whose count of finished jobs has not grown for <see cref="Limit"/>
/// fails with a message saying so, instead of waiting out its overall limit (minutes) while the node behind it
/// retries a store that went away.
/// </summary>
internal sealed class StallGuard(string what, TimeSpan limit, TimeProvider time)
{
    private long _last = -1;
    private long _movedAt = time.GetTimestamp();

    /// <summary>How long the count may stay the same.</summary>
    public TimeSpan Limit { get; } = limit;

    /// <summary>Records <paramref name="done"/>; throws when it has not changed for longer than <see cref="Limit"/>.</summary>
    public void Check(long done)
    {
        if (done != _last)
        {
            _last = done;
            _movedAt = time.GetTimestamp();
            return;
        }
        var still = time.GetElapsedTime(_movedAt);
        if (still > Limit)
            throw new TimeoutException($"{what} stalled: no job finished for {still.TotalSeconds:0} s ({done:N0} done); is the store still reachable?");
    }
}
