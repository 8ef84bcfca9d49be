using Conveyor.Dispatching;
using Conveyor.Storage;
using Conveyor.Validation;

namespace Conveyor;

// The queue settings verbs of the monitor, and the "no handler" view: available jobs whose kind no live node serving
// their queue handles.
public sealed partial class JobMonitor
{
    /// <summary>The settings record of <paramref name="queue"/>; null when it has none (never paused nor limited).</summary>
    public Task<QueueSettings?> GetQueueSettingsAsync(string queue, CancellationToken cancellationToken = default)
    {
        Names.EnsureQueue(queue);
        return _store.GetQueueSettingsAsync(new GetQueueSettingsParams(queue), cancellationToken);
    }

    /// <summary>
    /// Sets every limit of <paramref name="queue"/> (its pause state is kept); enforced by the store for the whole
    /// cluster from the next claim and enqueue on (docs/flow-control.md).
    /// </summary>
    /// <exception cref="ArgumentException">A limit is out of range (the message says which); nothing changed.</exception>
    public Task SetQueueLimitsAsync(string queue, QueueLimits limits, CancellationToken cancellationToken = default)
    {
        Names.EnsureQueue(queue);
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.Check() is { } error) throw new ArgumentException(error, nameof(limits));
        return _store.SetQueueLimitsAsync(new SetQueueLimitsParams(queue, limits), cancellationToken);
    }

    /// <summary>
    /// <paramref name="job"/> with <see cref="JobInfo.NoHandler"/> set when it is available and no live node serving its
    /// queue handles its kind (one store call, only for an available job).
    /// </summary>
    public async Task<JobInfo> WithNoHandlerAsync(JobInfo job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.State != JobState.Available) return job;
        var now = await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await _store.ListNodesAsync(new ListNodesParams(), cancellationToken).ConfigureAwait(false);
        var handled = HandledKinds(nodes, now);
        return job with { NoHandler = !(handled.TryGetValue(job.Queue, out var kinds) && kinds.Contains(job.Kind)) };
    }

    /// <summary>Per queue, the kinds that live nodes serving it handle. Live: a heartbeat within the default lease.</summary>
    private static Dictionary<string, HashSet<string>> HandledKinds(IReadOnlyList<NodeInfo> nodes, DateTimeOffset now)
    {
        var since = now - WorkerOptions.DefaultLeaseDuration;
        var handled = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var node in nodes.Where(n => n.HeartbeatAt >= since))
        {
            foreach (var queue in node.Queues.Keys)
            {
                if (!handled.TryGetValue(queue, out var kinds)) handled[queue] = kinds = new(StringComparer.Ordinal);
                kinds.UnionWith(node.Kinds);
            }
        }
        return handled;
    }

    private static long NoHandler(QueueInfo queue, Dictionary<string, HashSet<string>> handled)
    {
        handled.TryGetValue(queue.Name, out var kinds);
        return queue.AvailableByKind.Where(pair => kinds is null || !kinds.Contains(pair.Key)).Sum(pair => pair.Value);
    }
}
