namespace Conveyor.Storage.Memory;

/// <summary>
/// The in-memory store: the reference implementation of the store SPI, for tests and single-process
/// use. Jobs live in this object only (nothing survives the process) and two instances never share
/// anything. Thread-safe: one lock guards all job state.
/// </summary>
/// <remarks>
/// Every verb costs O(log n) per job it touches, never a scan of the queue: each queue keeps, per
/// kind, a heap of the jobs a claim may take right now (available, due, and first of their ordering
/// key), and the store keeps heaps of running jobs by lease end and final jobs by finish time (removal
/// from these is lazy, see <see cref="JobHeap{TKey}"/>) and sorted sets of scheduled/retrying jobs by
/// run_at for the leader's chores.
/// Capabilities: in-process notifications, no transactional enqueue, one process only.
/// </remarks>
public sealed partial class MemoryJobStore : IJobStore
{
    private static readonly StoreCapabilities MemoryCapabilities = new(
        SupportsNotifications: true, SupportsTransactionalEnqueue: false, SupportsMultipleProcesses: false);

    private readonly Lock _lock = new();
    private readonly MemoryJobNotifier _notifier = new();
    private readonly MemoryLeaderElector _leaderElector = new();
    private readonly MemoryNodeRegistry _nodes = new();

    /// <summary>Creates an empty store.</summary>
    public MemoryJobStore()
    {
    }

    /// <summary>Always <c>memory</c>.</summary>
    public string Name => "memory";

    /// <summary>In-process notifications only; no transactional enqueue; one process.</summary>
    public StoreCapabilities Capabilities => MemoryCapabilities;

    /// <summary>Signals subscribers in this process when jobs become claimable.</summary>
    public IJobNotifier? Notifier => _notifier;

    /// <summary>Not offered: enqueues and claims are separate calls.</summary>
    public IEnqueueClaimer? EnqueueClaimer => null;

    /// <summary>Not needed: its indexes drop an entry as soon as its row changes.</summary>
    public ISpaceReclaimer? SpaceReclaimer => null;

    /// <summary>Elects a leader among the nodes of this process.</summary>
    public ILeaderElector LeaderElector => _leaderElector;

    /// <summary>Nothing to create: completes at once.</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<InsertedJob>> InsertManyAsync(InsertJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        if (parameters.Transaction is not null)
            throw new NotSupportedException("the memory store cannot join a database transaction (SupportsTransactionalEnqueue is false)");
        try
        {
            return Task.FromResult<IReadOnlyList<InsertedJob>>(Change(parameters, static (store, p) => store.Insert(p.Jobs, p.Now)));
        }
        catch (Exception e) when (e is JobNotFoundException or QueueBacklogFullException)
        {
            return Task.FromException<IReadOnlyList<InsertedJob>>(e);
        }
    }

    /// <inheritdoc />
    public Task<ClaimedJobs> ClaimAsync(ClaimJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Change(parameters, static (store, p) => store.Claim(p)));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> CompleteManyAsync(CompleteJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var completion in parameters.Completions)
        {
            if (!Enum.IsDefined(completion.Outcome))
                throw new ArgumentOutOfRangeException(nameof(parameters), completion.Outcome, $"unknown outcome for job {completion.Id}");
        }
        return Task.FromResult(Change(parameters, static (store, p) =>
        {
            List<long>? refused = null;
            foreach (var completion in p.Completions)
            {
                if (!store.Complete(p.NodeName, completion, p.Now))
                    (refused ??= []).Add(completion.Id);
            }
            return refused ?? (IReadOnlyList<long>)[];
        }));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> ExtendLeasesAsync(ExtendLeasesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        List<long>? lost = null;
        lock (_lock)
        {
            foreach (var id in parameters.JobIds)
            {
                if (_jobs.TryGetValue(id, out var job) && job.State == JobState.Running && job.Node == parameters.NodeName)
                {
                    _leases.Remove(job);
                    job.LeaseExpiresAt = parameters.LeaseExpiresAt;
                    _leases.Add(job, new TimeKey(parameters.LeaseExpiresAt.UtcTicks, id));
                }
                else
                {
                    (lost ??= []).Add(id);
                }
            }
        }
        return Task.FromResult<IReadOnlyList<long>>(lost ?? (IReadOnlyList<long>)[]);
    }

    /// <inheritdoc />
    public Task ReportProgressAsync(ReportProgressParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_jobs.TryGetValue(parameters.Id, out var job) && job.State == JobState.Running
                && job.Node == parameters.NodeName && job.Attempt == parameters.Attempt)
            {
                job.Progress = new JobProgress(parameters.Percent, parameters.Message);
            }
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<int> PromoteDueJobsAsync(PromoteDueJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Change(parameters, static (store, p) => store.PromoteDue(p.Now, p.Limit)));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RescuedJob>> RescueExpiredLeasesAsync(RescueExpiredLeasesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.MaxLostLeases, 1, nameof(parameters.MaxLostLeases));
        return Task.FromResult<IReadOnlyList<RescuedJob>>(Change(parameters, static (store, p) => store.RescueExpired(p)));
    }

    /// <inheritdoc />
    public Task<int> PruneJobsAsync(PruneJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        int pruned;
        lock (_lock)
        {
            pruned = Prune(parameters);
            TakeSignals();
        }
        return Task.FromResult(pruned);
    }

    /// <inheritdoc />
    public Task<JobInfo?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(_jobs.TryGetValue(parameters.Id, out var job) ? job.ToInfo() : null);
        }
    }

    /// <inheritdoc />
    public Task<JobPage> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(List(parameters));
        }
    }

    /// <inheritdoc />
    public Task<JobChangeResult> CancelJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Change(parameters, static (store, p) => store.Cancel(p.Id, p.Now)));
    }

    /// <inheritdoc />
    public Task<JobChangeResult> RetryJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Change(parameters, static (store, p) => store.Retry(p.Id, p.Now)));
    }

    /// <inheritdoc />
    public Task<JobChangeResult> DeleteJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Change(parameters, static (store, p) => store.Delete(p.Id, p.Now)));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            IReadOnlyList<QueueInfo> queues = [.. _queues.Values
                .Where(q => q.Total > 0 || q.HasPauseRecord)
                .OrderBy(q => q.Name, StringComparer.Ordinal)
                .Select(q => new QueueInfo(q.Name, q.Paused, q.Counts()) { Limits = q.Limits, AvailableByKind = AvailableByKind(q) })];
            return Task.FromResult(queues);
        }
    }

    /// <inheritdoc />
    public Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        Change(parameters, static (store, p) =>
        {
            var queue = store.GetQueue(p.Queue);
            queue.Paused = p.Paused;
            queue.HasPauseRecord = true;
            // Jobs became claimable again: wake the nodes instead of waiting for their poll.
            if (!p.Paused && queue.HasReadyJobs()) store.MarkForSignal(queue);
            return true;
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task UpsertNodeAsync(UpsertNodeParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        _nodes.Upsert(parameters.Node);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RemoveNodeAsync(RemoveNodeParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        _nodes.Remove(parameters.NodeName);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(ListNodesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_nodes.List(parameters.LiveAt));
    }

    /// <inheritdoc />
    public Task<int> PruneNodesAsync(PruneNodesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_nodes.Prune(parameters.Now));
    }

    /// <inheritdoc />
    public Task<bool> RequestNodeStopAsync(RequestNodeStopParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_nodes.RequestStop(parameters.NodeName, parameters.Now));
    }

    /// <summary>Drops every notification subscription; the jobs stay readable.</summary>
    public ValueTask DisposeAsync()
    {
        _notifier.Clear();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Runs <paramref name="change"/> under the store's lock, then wakes the nodes waiting on the queues it made
    /// claimable. The wake-ups go out after the lock is released: subscribers run on this thread, and a subscriber
    /// that called back into the store would otherwise do so under the lock.
    /// </summary>
    private TResult Change<TArg, TResult>(TArg arg, Func<MemoryJobStore, TArg, TResult> change)
    {
        TResult result;
        string[]? signals;
        lock (_lock)
        {
            result = change(this, arg);
            signals = TakeSignals();
        }
        Signal(signals);
        return result;
    }

    private string[]? TakeSignals()
    {
        if (_signals.Count == 0) return null;
        var queues = new string[_signals.Count];
        for (var i = 0; i < queues.Length; i++)
        {
            queues[i] = _signals[i].Name;
            _signals[i].SignalPending = false;
        }
        _signals.Clear();
        return queues;
    }

    private void Signal(string[]? queues)
    {
        if (queues is not null) _notifier.Signal(queues);
    }
}
