namespace Conveyor;

/// <summary>
/// Exponential backoff with jitter: the delay before attempt n+1 is
/// <c>min(MaxDelay, BaseDelay · 2^(n−1))</c>, scaled by a random factor in [1 − Jitter, 1 + Jitter]
/// so that jobs failing together do not return together.
/// </summary>
public sealed class RetryPolicy
{
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromHours(1);
    public const double DefaultJitter = 0.2;

    /// <summary>The delay after the first failure. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; set; } = DefaultBaseDelay;
    /// <summary>The longest delay. Default 1 h.</summary>
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;
    /// <summary>Relative spread, 0–1. Default 0.2 (±20 %).</summary>
    public double Jitter { get; set; } = DefaultJitter;

    /// <summary>The delay after attempt <paramref name="attempt"/> (1-based) failed; <paramref name="random01"/> in [0, 1).</summary>
    public TimeSpan DelayAfter(int attempt, double random01)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 40);
        var raw = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        var factor = 1 + Jitter * (2 * random01 - 1);
        return TimeSpan.FromMilliseconds(Math.Max(0, raw * factor));
    }

    internal void Validate()
    {
        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay)
            throw new InvalidOperationException($"retry delays must satisfy 0 ≤ BaseDelay ≤ MaxDelay (got {BaseDelay}, {MaxDelay})");
        if (Jitter is < 0 or > 1) throw new InvalidOperationException($"Jitter must be within 0–1 (got {Jitter})");
    }
}
