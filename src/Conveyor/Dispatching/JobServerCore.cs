using System.Collections.Concurrent;
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
    ILogger logger)
{
    private readonly ConcurrentDictionary<long, RunningJob> _leased = new();

    public IJobStore Store { get; } = store;
    public string NodeName { get; } = nodeName;
    public IReadOnlyList<string> Kinds { get; } = kinds;
    public WorkerOptions Options { get; } = options;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
    public JobExecutor Executor { get; set; } = null!;
    public Completer Completer { get; set; } = null!;

    /// <summary>Jobs whose leases this node must keep extending (claimed, outcome not stored yet).</summary>
    public ICollection<RunningJob> Leased => _leased.Values;

    public int LeasedCount => _leased.Count;

    public RunningJob Track(ClaimedJob job, DateTimeOffset leaseExpiresAt, QueueDispatcher dispatcher)
    {
        var running = new RunningJob(job, leaseExpiresAt, dispatcher);
        _leased[job.Id] = running;
        return running;
    }

    public void Untrack(RunningJob running)
    {
        if (_leased.TryRemove(new KeyValuePair<long, RunningJob>(running.Job.Id, running))) running.Dispose();
    }

    /// <summary>Cancels the tokens of every held job (shutdown after the drain period).</summary>
    public void CancelAll(CancelReason reason)
    {
        var now = Time.GetUtcNow();
        foreach (var running in _leased.Values) running.Cancel(reason, now);
    }

    public bool TryGetLeased(long id, out RunningJob running) => _leased.TryGetValue(id, out running!);
}
