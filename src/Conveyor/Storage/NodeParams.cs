namespace Conveyor.Storage;

/// <summary>Busy and total worker slots of one queue on a node.</summary>
public sealed record NodeQueueSlots(int Busy, int Slots);

/// <summary>A node as registered in the store.</summary>
public sealed record NodeInfo
{
    public required string Name { get; init; }
    public required string Host { get; init; }
    public required int Pid { get; init; }
    public required string Version { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset HeartbeatAt { get; init; }
    public IReadOnlyList<string> Kinds { get; init; } = [];
    public IReadOnlyDictionary<string, NodeQueueSlots> Queues { get; init; } = new Dictionary<string, NodeQueueSlots>();
}

/// <summary>Register a node or refresh its row; <c>Node.HeartbeatAt</c> is the heartbeat time.</summary>
public sealed record UpsertNodeParams(NodeInfo Node);

/// <summary>Remove a node's row.</summary>
public sealed record RemoveNodeParams(string NodeName);

/// <summary>List every node.</summary>
public sealed record ListNodesParams;

/// <summary>Remove nodes whose heartbeat is older than <paramref name="HeartbeatBefore"/>.</summary>
public sealed record PruneNodesParams(DateTimeOffset HeartbeatBefore);

/// <summary>Acquire or renew the leadership for <paramref name="NodeName"/> until <paramref name="Now"/> + <paramref name="Ttl"/>.</summary>
public sealed record LeaderLeaseParams(string NodeName, DateTimeOffset Now, TimeSpan Ttl);

/// <summary>Give up the leadership.</summary>
public sealed record LeaderReleaseParams(string NodeName);

/// <summary>Ask who leads at <paramref name="Now"/>.</summary>
public sealed record GetLeaderParams(DateTimeOffset Now);
