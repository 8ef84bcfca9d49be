namespace Conveyor;

/// <summary>
/// Exponential backoff with jitter: the delay before attempt n+1 is <c>d = BaseDelay · 2^(n−1)</c>
/// scaled by a random factor in [1 − Jitter, 1 + Jitter], so that jobs failing together do not return
/// together, and never more than <see cref="MaxDelay"/>: the random window is cut at MaxDelay, and once
/// d reaches MaxDelay it is [MaxDelay · (1 − Jitter), MaxDelay].
/// </summary>
public sealed class RetryPolicy
{
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromHours(1);
    public const double DefaultJitter = 0.2;

    /// <summary>The delay after the first failure. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; init; } = DefaultBaseDelay;
    /// <summary>The longest delay, jitter included. Default 1 h.</summary>
    public TimeSpan MaxDelay { get; init; } = DefaultMaxDelay;
    /// <summary>Relative spread, 0–1. Default 0.2 (±20 %; at <see cref="MaxDelay"/>, the 20 % below it).</summary>
    public double Jitter { get; init; } = DefaultJitter;

    /// <summary>The delay after attempt <paramref name="attempt"/> (1-based) failed; <paramref name="random01"/> in [0, 1).</summary>
    public TimeSpan DelayAfter(int attempt, double random01)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 40);
        var max = MaxDelay.TotalMilliseconds;
        var raw = BaseDelay.TotalMilliseconds * Math.Pow(2, exponent);
        // The jitter window around raw, cut at the cap: [raw·(1 − Jitter), raw·(1 + Jitter)] below it; at the cap
        // [MaxDelay·(1 − Jitter), MaxDelay], so jobs failing together still spread out and none waits longer than MaxDelay.
        var high = Math.Min(max, raw * (1 + Jitter));
        var low = Math.Min(Math.Min(max, raw) * (1 - Jitter), high);
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, low + ((high - low) * random01)));
        return delay > MaxDelay ? MaxDelay : delay;
    }

    internal void Validate()
    {
        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay)
            throw new InvalidOperationException($"retry delays must satisfy 0 ≤ BaseDelay ≤ MaxDelay (got {BaseDelay}, {MaxDelay})");
        if (Jitter is < 0 or > 1) throw new InvalidOperationException($"Jitter must be within 0–1 (got {Jitter})");
    }
}
