namespace Conveyor.Samples.MapReduce;

/// <summary>What the reduce step found.</summary>
/// <param name="Words">Words counted over every chunk.</param>
/// <param name="Distinct">Distinct words.</param>
/// <param name="Chunks">Chunks whose counts were merged.</param>
/// <param name="FailedChunks">Chunks that did not succeed (their words are missing).</param>
/// <param name="Top">The most frequent words, most frequent first (ties by word).</param>
/// <param name="Seconds">From the batch's enqueue to the end of the reduce.</param>
internal sealed record ReduceResult(long Words, int Distinct, int Chunks, int FailedChunks, IReadOnlyList<WordCount> Top, double Seconds);
