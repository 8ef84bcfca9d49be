using Conveyor.Dispatching;
using Conveyor.Storage;
using Conveyor.Validation;

namespace Conveyor;

/// <summary>A node as the monitor shows it: its registry row and whether it leads.</summary>
/// <param name="Node">The registry row.</param>
/// <param name="Leader">True for the node that holds the leadership now.</param>
public sealed record NodeStatus(NodeInfo Node, bool Leader);

/// <summary>The read side for dashboards and the CLI: queues with their counts, nodes, pause and resume.</summary>
public sealed class JobMonitor
{
    private readonly IJobStore _store;
    private readonly TimeProvider _time;

    internal JobMonitor(IJobStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>The store's name (<c>memory</c>, <c>sqlite</c>, <c>postgres</c>).</summary>
    public string StoreName => _store.Name;

    /// <summary>Every queue with its counts per state and whether it is paused.</summary>
    public Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        _store.ListQueuesAsync(new ListQueuesParams(), cancellationToken);

    /// <summary>Stops every node from claiming jobs of <paramref name="queue"/> (running ones go on).</summary>
    public Task PauseQueueAsync(string queue, CancellationToken cancellationToken = default)
    {
        Names.EnsureQueue(queue);
        return _store.SetQueuePausedAsync(new SetQueuePausedParams(queue, true), cancellationToken);
    }

    /// <summary>Lets nodes claim from <paramref name="queue"/> again.</summary>
    public Task ResumeQueueAsync(string queue, CancellationToken cancellationToken = default)
    {
        Names.EnsureQueue(queue);
        return _store.SetQueuePausedAsync(new SetQueuePausedParams(queue, false), cancellationToken);
    }

    /// <summary>Every registered node, the leader marked.</summary>
    public async Task<IReadOnlyList<NodeStatus>> ListNodesAsync(CancellationToken cancellationToken = default)
    {
        var nodes = await _store.ListNodesAsync(new ListNodesParams(), cancellationToken).ConfigureAwait(false);
        var leader = await _store.LeaderElector.GetLeaderAsync(new GetLeaderParams(_time.UtcNow()), cancellationToken).ConfigureAwait(false);
        return [.. nodes.Select(n => new NodeStatus(n, n.Name == leader))];
    }

    /// <summary>Creates or upgrades the store's schema.</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => _store.MigrateAsync(cancellationToken);
}
