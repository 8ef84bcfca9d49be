using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>What the parts of one node share: its store, name, options and the jobs it holds leases on.</summary>
internal sealed class JobServerCore(
    IJobStore store,
    string nodeName,
    IReadOnlyList<string> kinds,
    WorkerOptions options,
    TimeProvider time,
    ILogger logger,
    JobExecutor executor,
    Completer completer,
    Observability.ConveyorMetrics? metrics = null)
{
    // One lock per claim batch and per completion batch, not per job: cheaper than a concurrent map here.
    private readonly Dictionary<long, RunningJob> _leased = [];
    // The one held job that is a suspect (see IsSuspect); null when none.
    private RunningJob? _suspect;

    public IJobStore Store { get; } = store;
    public string NodeName { get; } = nodeName;
    public IReadOnlyList<string> Kinds { get; } = kinds;
    public WorkerOptions Options { get; } = options;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
    public JobExecutor Executor { get; } = executor;
    public Completer Completer { get; } = completer;

    /// <summary>What the heartbeat learnt of the cluster (affinity buckets owned, a stop request); set before the node starts.</summary>
    public ClusterView? Cluster { get; set; }

    /// <summary>Where the node's workers count what they run; null when nothing is reported.</summary>
    public Observability.ConveyorMetrics? Metrics { get; } = metrics;

    /// <summary>A snapshot of the jobs whose leases this node must keep extending (claimed, outcome not stored yet).</summary>
    public RunningJob[] Leased
    {
        get
        {
            lock (_leased) return [.. _leased.Values];
        }
    }

    public int LeasedCount
    {
        get
        {
            lock (_leased) return _leased.Count;
        }
    }

    /// <summary>Starts holding the jobs of one claim, made at <paramref name="claimedAt"/>.</summary>
    public RunningJob[] Track(IReadOnlyList<ClaimedJob> jobs, DateTimeOffset claimedAt, DateTimeOffset leaseExpiresAt, QueueDispatcher dispatcher)
    {
        var running = new RunningJob[jobs.Count];
        for (var i = 0; i < running.Length; i++) running[i] = new RunningJob(jobs[i], claimedAt, leaseExpiresAt, dispatcher);
        lock (_leased)
        {
            foreach (var job in running) _leased[job.Job.Id] = job;
        }
        return running;
    }

    /// <summary>Stops holding a job (its outcome is stored, or it was lost).</summary>
    public void Untrack(RunningJob running)
    {
        lock (_leased) RemoveIfHeld(running);
        LetGoOfSuspect(running);
        running.Dispose();
    }

    /// <summary>Stops holding the jobs of one stored completion batch.</summary>
    public void Untrack(IReadOnlyList<RunningJob> jobs)
    {
        lock (_leased)
        {
            foreach (var running in jobs) RemoveIfHeld(running);
        }
        foreach (var running in jobs)
        {
            LetGoOfSuspect(running);
            running.Dispose();
        }
    }

    /// <summary>
    /// Whether <paramref name="job"/> is a suspect (<see cref="JobLifecycle.IsSuspect"/>). Every job a node holds when it
    /// crashes loses its lease, so a node holds at most one suspect at a time: a poison job's last crash then buries it
    /// alone, never a job that only shared its earlier crashes.
    /// </summary>
    public bool IsSuspect(ClaimedJob job) => JobLifecycle.IsSuspect(job.LostLeases, Options.MaxLostLeases);

    /// <summary>Makes <paramref name="running"/> the node's one suspect; false when it already holds another.</summary>
    public bool TryHoldSuspect(RunningJob running) => Interlocked.CompareExchange(ref _suspect, running, null) is null;

    private void LetGoOfSuspect(RunningJob running) => Interlocked.CompareExchange(ref _suspect, null, running);

    /// <summary>Cancels the tokens of every held job (shutdown after the drain period).</summary>
    public void CancelAll(CancelReason reason)
    {
        var now = Time.GetUtcNow();
        foreach (var running in Leased) running.Cancel(reason, now);
    }

    // Only this very claim: after a rescue the same id may be held again by a newer claim.
    private void RemoveIfHeld(RunningJob running)
    {
        if (_leased.TryGetValue(running.Job.Id, out var held) && ReferenceEquals(held, running)) _leased.Remove(running.Job.Id);
    }
}
