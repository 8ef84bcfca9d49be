namespace Conveyor.Storage.Memory;

/// <summary>The memory store's node rows, keyed by name.</summary>
internal sealed class MemoryNodeRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);

    public void Upsert(NodeInfo node)
    {
        // Copy the collections: the caller may keep mutating the ones it passed.
        var copy = node with
        {
            Kinds = [.. node.Kinds],
            Queues = new Dictionary<string, NodeQueueSlots>(node.Queues, StringComparer.Ordinal),
        };
        lock (_lock) _nodes[node.Name] = copy;
    }

    public void Remove(string name)
    {
        lock (_lock) _nodes.Remove(name);
    }

    public IReadOnlyList<NodeInfo> List()
    {
        lock (_lock) return [.. _nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal)];
    }

    public int Prune(DateTimeOffset heartbeatBefore)
    {
        lock (_lock)
        {
            var stale = _nodes.Values.Where(n => n.HeartbeatAt < heartbeatBefore).Select(n => n.Name).ToList();
            foreach (var name in stale) _nodes.Remove(name);
            return stale.Count;
        }
    }
}
