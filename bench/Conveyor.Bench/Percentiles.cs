namespace Conveyor.Bench;

/// <summary>Nearest-rank percentiles of a sample.</summary>
internal static class Percentiles
{
    /// <summary>The value below which <paramref name="fraction"/> of the sorted sample lies (nearest rank).</summary>
    public static double Of(double[] sorted, double fraction)
    {
        if (sorted.Length == 0) throw new ArgumentException("no values", nameof(sorted));
        var rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
