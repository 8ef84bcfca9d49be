namespace Conveyor.Samples.MapReduce;

/// <summary>One word and how often it occurs.</summary>
internal sealed record WordCount(string Word, long Count);
