using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Conveyor.Serialization;

namespace Conveyor.Samples.MapReduce;

/// <summary>The map and reduce handlers every worker node of the sample runs.</summary>
internal static class Handlers
{
    /// <summary>Counts one chunk's words; the result is every word of the chunk with its count.</summary>
    public static Dictionary<string, long> Map(CountWords chunk)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        Words.Count(chunk.Text, counts);
        return counts;
    }

    /// <summary>
    /// Merges the counts of every chunk, streamed from the store a page at a time, prints the top words and the time
    /// since the batch was enqueued, and writes every count to <see cref="Reduce.Out"/> when given.
    /// </summary>
    public static async Task<ReduceResult> ReduceAsync(JobContext<Reduce> context, TextWriter console, CancellationToken cancellationToken)
    {
        var batch = await context.GetBatchAsync(cancellationToken)
            ?? throw new PermanentJobFailureException($"job {context.Id} is not a batch's callback");
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        int chunks = 0, failed = 0;
        await foreach (var child in context.ReadBatchChildrenAsync(pageSize: 100, cancellationToken))
        {
            if (child.State != JobState.Succeeded || child.ResultJson is null)
            {
                failed++;
                continue;
            }
            chunks++;
            foreach (var (word, count) in JsonSerializer.Deserialize<Dictionary<string, long>>(child.ResultJson, ConveyorJson.Options)!)
                totals[word] = totals.GetValueOrDefault(word) + count;
        }
        var top = totals.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(context.Args.Top).Select(p => new WordCount(p.Key, p.Value)).ToList();
        if (context.Args.Out is { } path)
        {
            await using var file = new StreamWriter(path);
            foreach (var (word, count) in totals.OrderBy(p => p.Key, StringComparer.Ordinal))
                await file.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{count} {word}").AsMemory(), cancellationToken);
        }
        var seconds = (DateTimeOffset.UtcNow - batch.CreatedAt).TotalSeconds;
        var result = new ReduceResult(totals.Values.Sum(), totals.Count, chunks, failed, top, seconds);
        console.WriteLine(Report(result, watch.Elapsed));
        return result;
    }

    private static string Report(ReduceResult result, TimeSpan reduce)
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"reduce: {result.Words:N0} words ({result.Distinct:N0} distinct) from {result.Chunks} chunks in {result.Seconds:F2}s since the enqueue (reduce {reduce.TotalMilliseconds:F0} ms)"),
        };
        if (result.FailedChunks > 0) lines.Add($"reduce: {result.FailedChunks} chunks did not succeed; their words are missing");
        var width = result.Top.Count == 0 ? 0 : result.Top.Max(t => t.Word.Length);
        lines.AddRange(result.Top.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"{i + 1,4}. {t.Word.PadRight(width)}  {t.Count,12:N0}")));
        return string.Join('\n', lines);
    }
}
