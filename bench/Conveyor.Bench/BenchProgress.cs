namespace Conveyor.Bench;

/// <summary>How far the running measure is: <see cref="Done"/> of <see cref="Total"/> jobs.</summary>
public readonly record struct BenchProgress(BenchMeasure Measure, string Stage, long Done, long Total);
