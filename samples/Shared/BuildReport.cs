namespace Conveyor.Samples;

/// <summary>A longer job that reports progress and returns a result.</summary>
public sealed record BuildReport(int Pages) : IJobArgs
{
    public static string Kind => "sample.build_report";
}
