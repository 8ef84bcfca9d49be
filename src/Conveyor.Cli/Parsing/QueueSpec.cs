using System.Globalization;
using Conveyor.Cli.Running;
using Conveyor.Validation;

namespace Conveyor.Cli.Parsing;

/// <summary>
/// The <c>--queues</c> value: <c>Q[=N],…</c>, queue names with an optional cap, the most slots of the node's pool
/// the queue may use (a queue without one may use the whole pool, <c>--concurrency</c>).
/// </summary>
internal static class QueueSpec
{
    /// <summary>Parses <paramref name="text"/> into queue → slots (null when not given), in the order written.</summary>
    public static IReadOnlyList<KeyValuePair<string, int?>> Parse(string text)
    {
        var queues = new List<KeyValuePair<string, int?>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) throw new UsageException($"bad --queues '{text}': an empty queue name; write Q[=N],… as in default,smtp=2");
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals].Trim();
            if (Names.Check(name, Names.MaxQueueLength, "queue") is { } error) throw new UsageException($"bad --queues: {error}");
            if (!seen.Add(name)) throw new UsageException($"bad --queues: queue '{name}' is named twice");
            int? slots = null;
            if (equals >= 0)
            {
                var number = part[(equals + 1)..].Trim();
                if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                    throw new UsageException($"bad --queues: '{number}' for queue '{name}' is not a number of worker slots (1 or more)");
                slots = n;
            }
            queues.Add(new(name, slots));
        }
        return queues;
    }
}
