using Conveyor.Dispatching;
using Conveyor.Storage;
using Conveyor.Validation;

namespace Conveyor;

/// <summary>A node as the monitor shows it: its registry row and whether it leads.</summary>
/// <param name="Node">The registry row.</param>
/// <param name="Leader">True for the node that holds the leadership now.</param>
public sealed record NodeStatus(NodeInfo Node, bool Leader);

/// <summary>A queue as the monitor shows it: its counts and pause state, and the live nodes' slots that serve it.</summary>
/// <param name="Queue">The store's counts per state and pause state (zero counts for a queue nodes serve but no job has used yet).</param>
/// <param name="Slots">The queue's concurrency across the cluster now: the slots every live node gives it, added up.</param>
/// <param name="Busy">Of those slots, the ones running a job at the nodes' last heartbeat.</param>
/// <param name="Nodes">How many live nodes serve the queue.</param>
public sealed record QueueStatus(QueueInfo Queue, int Slots, int Busy, int Nodes);

/// <summary>The read side for dashboards and the CLI: queues with their counts, nodes, pause and resume.</summary>
public sealed partial class JobMonitor
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

    /// <summary>
    /// Every queue with its counts and pause state, and the slots live nodes give it (<see cref="QueueStatus"/>), ordered
    /// by name: the queues of the store and those nodes serve. Two store calls; <see cref="ListQueuesAsync"/> is one.
    /// </summary>
    public async Task<IReadOnlyList<QueueStatus>> ListQueueStatusesAsync(CancellationToken cancellationToken = default)
    {
        var queues = await _store.ListQueuesAsync(new ListQueuesParams(), cancellationToken).ConfigureAwait(false);
        var now = await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await _store.ListNodesAsync(new ListNodesParams(LiveAt: now), cancellationToken).ConfigureAwait(false);
        var served = new Dictionary<string, (int Slots, int Busy, int Nodes)>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var (name, slots) in node.Queues)
            {
                var sum = served.GetValueOrDefault(name);
                served[name] = (sum.Slots + slots.Slots, sum.Busy + slots.Busy, sum.Nodes + 1);
            }
        }
        var handled = HandledKinds(nodes, now);
        var known = queues.ToDictionary(q => q.Name, q => q with { NoHandler = NoHandler(q, handled) }, StringComparer.Ordinal);
        var noJobs = JobStates.All.ToDictionary(s => s, _ => 0L);
        foreach (var name in served.Keys.Where(n => !known.ContainsKey(n)))
            known[name] = new QueueInfo(name, Paused: false, noJobs);
        return
        [
            .. known.Values.OrderBy(q => q.Name, StringComparer.Ordinal).Select(q =>
            {
                var (slots, busy, count) = served.GetValueOrDefault(q.Name);
                return new QueueStatus(q, slots, busy, count);
            }),
        ];
    }

    /// <summary>
    /// Whether <paramref name="queue"/> is known: a job or a live node has used it, or it has settings (paused, limits).
    /// Pausing or limiting a queue not known yet is more likely a typo than a plan; the CLI and the HTTP API refuse it
    /// unless asked to create it.
    /// </summary>
    public async Task<bool> IsKnownQueueAsync(string queue, CancellationToken cancellationToken = default)
    {
        Names.EnsureQueue(queue);
        var known = await ListQueueStatusesAsync(cancellationToken).ConfigureAwait(false);
        return known.Any(q => q.Queue.Name == queue);
    }

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

    /// <summary>
    /// Asks the live node <paramref name="name"/>, through the store, to drain and exit: it sees the request with its next
    /// heartbeat and stops as on SIGTERM (jobs not started go back, running ones finish or go back), and shows as
    /// stopping meanwhile. Returns false when no live node has that name.
    /// </summary>
    public Task<bool> StopNodeAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return StopAsync();

        async Task<bool> StopAsync() =>
            await _store.RequestNodeStopAsync(new RequestNodeStopParams(name, await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false)),
                cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every live node (its heartbeat plus its lease not passed yet), the leader marked.</summary>
    public async Task<IReadOnlyList<NodeStatus>> ListNodesAsync(CancellationToken cancellationToken = default)
    {
        var now = await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await _store.ListNodesAsync(new ListNodesParams(LiveAt: now), cancellationToken).ConfigureAwait(false);
        var leader = await _store.LeaderElector.GetLeaderAsync(new GetLeaderParams(now), cancellationToken).ConfigureAwait(false);
        return [.. nodes.Select(n => new NodeStatus(n, n.Name == leader))];
    }

    /// <summary>
    /// The jobs that ended (succeeded or dead) over the last <paramref name="window"/>, per <paramref name="bucket"/>
    /// aligned to whole buckets of UTC time: every bucket is listed, the last one holding now. Cluster-wide: read from
    /// the store, whichever node ran the jobs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The bucket is under a second, or the window is not 1 to 1,440 buckets.</exception>
    public async Task<JobActivity> GetActivityAsync(TimeSpan window, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucket, TimeSpan.FromSeconds(1));
        var count = (int)Math.Min(int.MaxValue, window.Ticks / bucket.Ticks);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(window));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1440, nameof(window));
        var now = await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false);
        var current = new DateTimeOffset(now.UtcTicks - now.UtcTicks % bucket.Ticks, TimeSpan.Zero);
        var since = current - bucket * (count - 1);
        var found = await _store.GetActivityAsync(new GetActivityParams(since, current + bucket, bucket), cancellationToken).ConfigureAwait(false);
        var byStart = found.ToDictionary(b => b.Start);
        var buckets = new ActivityBucket[count];
        for (var i = 0; i < count; i++)
        {
            var start = since + bucket * i;
            buckets[i] = byStart.GetValueOrDefault(start) ?? new ActivityBucket(start, 0, 0, 0, null, null);
        }
        return new JobActivity(since, bucket, buckets);
    }

    /// <summary>
    /// Which job holds <paramref name="orderingKey"/> and which wait behind it, in the order they will run (at most
    /// <paramref name="limit"/> jobs in all).
    /// </summary>
    /// <exception cref="JobValidationException">The key is empty or too long, or the limit is not 1 to 1,000.</exception>
    public async Task<OrderingKeyStatus> GetOrderingKeyAsync(string orderingKey, int limit = 200, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orderingKey);
        if (orderingKey.Length == 0) throw new JobValidationException("orderingKey", "must not be empty", null);
        if (orderingKey.Length > Names.MaxKeyLength)
            throw new JobValidationException("orderingKey", $"is longer than {Names.MaxKeyLength} characters", null);
        if (limit is < 1 or > JobQuery.MaxLimit)
            throw new JobValidationException("limit", $"limit must be between 1 and {JobQuery.MaxLimit} (got {limit})");
        var jobs = await _store.ListOrderingKeyAsync(new ListOrderingKeyParams(orderingKey, limit + 1), cancellationToken).ConfigureAwait(false);
        var more = jobs.Count > limit;
        var listed = more ? jobs.Take(limit).ToList() : [.. jobs];
        var holder = listed.FirstOrDefault(j => j.State == JobState.Running) ?? listed.FirstOrDefault();
        return new OrderingKeyStatus(orderingKey, holder, [.. listed.Where(j => !ReferenceEquals(j, holder))], more);
    }

    /// <summary>Creates or upgrades the store's schema.</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => _store.MigrateAsync(cancellationToken);
}
