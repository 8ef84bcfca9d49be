namespace Conveyor.Bench;

/// <summary>What <c>conveyor bench</c> measures; the names are those of its output.</summary>
public enum BenchMeasure
{
    /// <summary>N single enqueues from C parallel callers.</summary>
    EnqueueSingle,

    /// <summary>N jobs enqueued in calls of 1,000.</summary>
    EnqueueBulk,

    /// <summary>A node started after N no-op jobs are queued, until all have succeeded.</summary>
    Process,

    /// <summary>Enqueue to handler start on an idle node.</summary>
    Latency,
}

/// <summary>Names of measures as printed and parsed.</summary>
public static class BenchMeasureNames
{
    /// <summary>Every measure, in the order a full run takes them.</summary>
    public static IReadOnlyList<BenchMeasure> All { get; } = [BenchMeasure.EnqueueSingle, BenchMeasure.EnqueueBulk, BenchMeasure.Process, BenchMeasure.Latency];

    /// <summary><c>enqueue_single</c>, <c>enqueue_bulk</c>, <c>process</c> or <c>latency</c>.</summary>
    public static string Name(this BenchMeasure measure) => measure switch
    {
        BenchMeasure.EnqueueSingle => "enqueue_single",
        BenchMeasure.EnqueueBulk => "enqueue_bulk",
        BenchMeasure.Process => "process",
        BenchMeasure.Latency => "latency",
        _ => throw new ArgumentOutOfRangeException(nameof(measure)),
    };

    /// <summary>Parses a measure name; false when it is none of them.</summary>
    public static bool TryParse(string text, out BenchMeasure measure)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), text, StringComparison.OrdinalIgnoreCase))
            {
                measure = candidate;
                return true;
            }
        }
        measure = default;
        return false;
    }

    /// <summary>
    /// Parses a comma-separated list of measure names, each kept once in the order given; an empty list means all.
    /// False, with the name in <paramref name="unknown"/>, when one is none of them.
    /// </summary>
    public static bool TryParseList(string? text, out IReadOnlyList<BenchMeasure> measures, out string? unknown)
    {
        measures = All;
        unknown = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        var list = new List<BenchMeasure>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParse(name, out var measure))
            {
                unknown = name;
                return false;
            }
            if (!list.Contains(measure)) list.Add(measure);
        }
        measures = list;
        return true;
    }
}
