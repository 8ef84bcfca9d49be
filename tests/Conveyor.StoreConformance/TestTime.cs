namespace Conveyor.StoreConformance;

/// <summary>
/// The fixed clock of the conformance suite. Every store call gets its time from here, so a test
/// reads as a timeline (<c>At(30)</c> is thirty seconds after <see cref="T0"/>). Whole milliseconds only.
/// </summary>
public static class TestTime
{
    /// <summary>2030-01-01T00:00:00Z: far from any real clock, so a store that reads the clock shows up.</summary>
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary><see cref="T0"/> plus <paramref name="seconds"/> (may be negative or fractional down to the millisecond).</summary>
    public static DateTimeOffset At(double seconds) => T0.AddMilliseconds(Math.Round(seconds * 1000));
}
