namespace Conveyor.Reliability.Support;

/// <summary>
/// The size of a run. By default the scenarios run scaled-down counts, so the whole suite stays within a few minutes
/// on a small machine; <c>CONVEYOR_RELIABILITY_FULL=1</c> runs the counts of docs/reliability.md (issue #20's figures).
/// </summary>
public static class Scale
{
    /// <summary>True when <c>CONVEYOR_RELIABILITY_FULL</c> is 1.</summary>
    public static bool Full { get; } = Environment.GetEnvironmentVariable("CONVEYOR_RELIABILITY_FULL") == "1";

    /// <summary><paramref name="full"/> in a full run, else <paramref name="scaled"/>.</summary>
    public static int Pick(int scaled, int full) => Full ? full : scaled;

    /// <summary>Says which size runs, for each test's output.</summary>
    public static string Describe => Full ? "full run (CONVEYOR_RELIABILITY_FULL=1)" : "scaled-down run (set CONVEYOR_RELIABILITY_FULL=1 for the full counts)";
}
