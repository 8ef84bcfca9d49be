namespace Conveyor.Storage;

/// <summary>Nodes and leadership: the registry of live nodes with their heartbeats and slots, and the leader lease.</summary>
public interface INodeStore
{
    /// <summary>Elects the one node that runs cluster chores.</summary>
    ILeaderElector LeaderElector { get; }

    /// <summary>Registers a node or refreshes its row (heartbeat, busy slots).</summary>
    Task UpsertNodeAsync(UpsertNodeParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Removes a node's row (clean shutdown).</summary>
    Task RemoveNodeAsync(RemoveNodeParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Every registered node, ordered by name.</summary>
    Task<IReadOnlyList<NodeInfo>> ListNodesAsync(ListNodesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Removes nodes whose last heartbeat is before the cut-off. Returns how many.</summary>
    Task<int> PruneNodesAsync(PruneNodesParams parameters, CancellationToken cancellationToken = default);
}
