namespace Conveyor.Reliability.Support;

/// <summary>
/// The suite's two lanes, run side by side: the scenarios with several node processes on PostgreSQL (their timings
/// must not compete with each other) one after another, and the single-node scenarios one after another beside them.
/// </summary>
public static class Suites
{
    public const string Cluster = "reliability-cluster";
    public const string SingleNode = "reliability-single-node";
}
