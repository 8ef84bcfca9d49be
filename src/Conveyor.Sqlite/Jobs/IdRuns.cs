namespace Conveyor.Sqlite.Jobs;

/// <summary>
/// Runs of consecutive ids, so that one range statement (<c>id &gt;= first AND id &lt;= last</c>) can stand
/// for many one-row statements: jobs of a FIFO queue are claimed and finished in runs like these.
/// </summary>
internal static class IdRuns
{
    /// <summary>The runs of <paramref name="sortedIds"/> (ascending); a repeated id starts a new run.</summary>
    public static IEnumerable<(long First, long Last)> Of(IReadOnlyList<long> sortedIds)
    {
        foreach (var (start, end) in Spans(sortedIds.Count, i => sortedIds[i]))
            yield return (sortedIds[start], sortedIds[end - 1]);
    }

    /// <summary>
    /// The runs of <paramref name="count"/> items whose ids (<paramref name="idAt"/>, ascending) go up by one, as index
    /// ranges [Start, End); <paramref name="sameRun"/>(start, i), when given, must also hold for item i to extend the
    /// run that item start opened.
    /// </summary>
    public static IEnumerable<(int Start, int End)> Spans(int count, Func<int, long> idAt, Func<int, int, bool>? sameRun = null)
    {
        if (count == 0)
            yield break;
        var start = 0;
        for (var i = 1; i < count; i++)
        {
            if (idAt(i) == idAt(i - 1) + 1 && (sameRun is null || sameRun(start, i)))
                continue;
            yield return (start, i);
            start = i;
        }
        yield return (start, count);
    }
}
