namespace Conveyor.Samples.MapReduce;

/// <summary>The map step: count the words of one chunk of the text.</summary>
/// <param name="Chunk">The chunk's number (from 1).</param>
/// <param name="Text">The chunk.</param>
internal sealed record CountWords(int Chunk, string Text) : IJobArgs
{
    public static string Kind => "mapreduce.count";
}
