using System.Collections.Concurrent;

namespace Conveyor.Cli.Soak;

/// <summary>What the soak enqueued (the ids the store acknowledged, by type) and what it did to the cluster.</summary>
internal sealed class SoakLedger
{
    private long _kills;
    private long _restarts;
    private long _enqueueFailures;

    public ConcurrentDictionary<long, SoakJobType> Jobs { get; } = new();

    /// <summary>Enqueues of a unique key that returned a job already holding it.</summary>
    public ConcurrentDictionary<long, int> UniqueMatches { get; } = new();

    public long Kills => Interlocked.Read(ref _kills);

    public long PostgresRestarts => Interlocked.Read(ref _restarts);

    /// <summary>Enqueues the store refused or did not answer (while it restarted): never acknowledged, so never counted as lost.</summary>
    public long EnqueueFailures => Interlocked.Read(ref _enqueueFailures);

    public void Killed() => Interlocked.Increment(ref _kills);

    public void Restarted() => Interlocked.Increment(ref _restarts);

    public void EnqueueFailed() => Interlocked.Increment(ref _enqueueFailures);
}
