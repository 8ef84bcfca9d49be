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
        if (sortedIds.Count == 0)
            yield break;
        var first = sortedIds[0];
        var last = first;
        for (var i = 1; i < sortedIds.Count; i++)
        {
            var id = sortedIds[i];
            if (id == last + 1)
            {
                last = id;
                continue;
            }
            yield return (first, last);
            first = last = id;
        }
        yield return (first, last);
    }
}
