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
            LiveUntil = node.LiveUntilOrDefault,
            StopRequested = false,
        };
        lock (_lock)
        {
            // A stop request holds for the node that was asked, not for a new one started under its name.
            if (_nodes.TryGetValue(node.Name, out var old) && old.StartedAt == node.StartedAt) copy = copy with { StopRequested = old.StopRequested };
            _nodes[node.Name] = copy;
        }
    }

    public void Remove(string name)
    {
        lock (_lock) _nodes.Remove(name);
    }

    public IReadOnlyList<NodeInfo> List(DateTimeOffset? liveAt)
    {
        lock (_lock) return [.. _nodes.Values.Where(n => liveAt is not { } at || n.LiveUntil > at).OrderBy(n => n.Name, StringComparer.Ordinal)];
    }

    public int Prune(DateTimeOffset now)
    {
        lock (_lock)
        {
            var stale = _nodes.Values.Where(n => n.LiveUntil <= now).Select(n => n.Name).ToList();
            foreach (var name in stale) _nodes.Remove(name);
            return stale.Count;
        }
    }

    public bool RequestStop(string name, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(name, out var node) || node.LiveUntil <= now) return false;
            _nodes[name] = node with { StopRequested = true };
            return true;
        }
    }
}
