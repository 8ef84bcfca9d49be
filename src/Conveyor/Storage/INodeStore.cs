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

    /// <summary>The registered nodes (only the live ones when <see cref="ListNodesParams.LiveAt"/> is given), ordered by name.</summary>
    Task<IReadOnlyList<NodeInfo>> ListNodesAsync(ListNodesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Removes the nodes that are no longer live (<see cref="NodeInfo.LiveUntil"/> passed). Returns how many.</summary>
    Task<int> PruneNodesAsync(PruneNodesParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a live node as asked to stop (<see cref="NodeInfo.StopRequested"/>); the node sees it with its next
    /// heartbeat. Its upserts keep the mark; a new node under the same name (another start time) starts without it.
    /// Returns false when no live node has that name.
    /// </summary>
    Task<bool> RequestNodeStopAsync(RequestNodeStopParams parameters, CancellationToken cancellationToken = default);
}
