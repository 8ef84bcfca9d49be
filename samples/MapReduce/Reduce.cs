namespace Conveyor.Samples.MapReduce;

/// <summary>The reduce step, the batch's callback: merge the chunks' counts.</summary>
/// <param name="Top">How many of the most frequent words to print.</param>
/// <param name="Out">A file for every word's count (<c>count word</c> lines, by word), or null.</param>
internal sealed record Reduce(int Top, string? Out) : IJobArgs
{
    public static string Kind => "mapreduce.reduce";
}
