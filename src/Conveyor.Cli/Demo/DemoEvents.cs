using System.Collections.Concurrent;

namespace Conveyor.Cli.Demo;

/// <summary>What the demo shows besides the store's counts: the last few outcomes and totals per kind.</summary>
internal sealed class DemoEvents
{
    private const int Capacity = 10;
    private readonly Lock _gate = new();
    private readonly LinkedList<DemoEvent> _recent = new();
    private readonly ConcurrentDictionary<string, KindTotals> _totals = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>One outcome of an attempt.</summary>
    public sealed record DemoEvent(long Sequence, DateTimeOffset At, string Text, bool Failed);

    /// <summary>Counts of one kind over the whole demo.</summary>
    public sealed class KindTotals
    {
        public int Enqueued;
        public int Succeeded;
        public int Failed;
    }

    public void Enqueued(string kind, int count = 1) => Interlocked.Add(ref Totals(kind).Enqueued, count);

    public void Succeeded(string kind, string text)
    {
        Interlocked.Increment(ref Totals(kind).Succeeded);
        Add(text, failed: false);
    }

    public void Failed(string kind, string text)
    {
        Interlocked.Increment(ref Totals(kind).Failed);
        Add(text, failed: true);
    }

    /// <summary>The latest events, oldest first.</summary>
    public IReadOnlyList<DemoEvent> Recent()
    {
        lock (_gate) return [.. _recent];
    }

    /// <summary>Totals per kind, by kind name.</summary>
    public IReadOnlyList<KeyValuePair<string, KindTotals>> TotalsByKind() => [.. _totals.OrderBy(t => t.Key, StringComparer.Ordinal)];

    private KindTotals Totals(string kind) => _totals.GetOrAdd(kind, _ => new KindTotals());

    private void Add(string text, bool failed)
    {
        lock (_gate)
        {
            _recent.AddLast(new DemoEvent(++_sequence, DateTimeOffset.UtcNow, text, failed));
            while (_recent.Count > Capacity) _recent.RemoveFirst();
        }
    }
}
