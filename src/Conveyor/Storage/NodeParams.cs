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

    /// <summary>
    /// Until when the node counts as live without another heartbeat: its heartbeat plus its lease (when the leases of
    /// its jobs run out too). Unset (default), the store takes <see cref="HeartbeatAt"/> + <see cref="WorkerOptions.DefaultLeaseDuration"/>.
    /// </summary>
    public DateTimeOffset LiveUntil { get; init; }

    /// <summary>The node's pool of worker slots, shared by its queues; 0 when not reported (then the queues' slots add up to it).</summary>
    public int Slots { get; init; }

    /// <summary>True once someone asked the node, through the store, to drain and exit (<c>conveyor nodes stop</c>).</summary>
    public bool StopRequested { get; init; }

    /// <summary><see cref="LiveUntil"/>, or its default when unset.</summary>
    public DateTimeOffset LiveUntilOrDefault => LiveUntil == default ? HeartbeatAt + WorkerOptions.DefaultLeaseDuration : LiveUntil;
}

/// <summary>Register a node or refresh its row; <c>Node.HeartbeatAt</c> is the heartbeat time.</summary>
public sealed record UpsertNodeParams(NodeInfo Node);

/// <summary>Remove a node's row.</summary>
public sealed record RemoveNodeParams(string NodeName);

/// <summary>List the nodes: every registered one, or with <paramref name="LiveAt"/> only those live then (<see cref="NodeInfo.LiveUntil"/> after it).</summary>
public sealed record ListNodesParams(DateTimeOffset? LiveAt = null);

/// <summary>Remove the nodes no longer live at <paramref name="Now"/> (<see cref="NodeInfo.LiveUntil"/> at or before it).</summary>
public sealed record PruneNodesParams(DateTimeOffset Now);

/// <summary>Ask the node <paramref name="NodeName"/> to drain and exit; <paramref name="Now"/> is when it was asked.</summary>
public sealed record RequestNodeStopParams(string NodeName, DateTimeOffset Now);

/// <summary>Acquire or renew the leadership for <paramref name="NodeName"/> until <paramref name="Now"/> + <paramref name="Ttl"/>.</summary>
public sealed record LeaderLeaseParams(string NodeName, DateTimeOffset Now, TimeSpan Ttl);

/// <summary>Give up the leadership.</summary>
public sealed record LeaderReleaseParams(string NodeName);

/// <summary>Ask who leads at <paramref name="Now"/>.</summary>
public sealed record GetLeaderParams(DateTimeOffset Now);
