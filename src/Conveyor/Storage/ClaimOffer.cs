namespace Conveyor.Storage;

/// <summary>
/// An idle node's claim, offered to the next enqueue made in this process into its queue (see
/// <see cref="IEnqueueClaimer"/>). It is taken by at most one write or withdrawn by its node, never both; a taken
/// offer is completed once, with the jobs its claim leased.
/// </summary>
public sealed class ClaimOffer
{
    private const int Pending = 0;
    private const int Taken = 1;
    private const int Withdrawn = 2;

    private readonly TaskCompletionSource<IReadOnlyList<ClaimedJob>> _claimed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _leaseDuration;
    private readonly TimeProvider _time;
    private readonly Action? _completed;
    private int _state;

    /// <summary>An offer to claim up to <paramref name="limit"/> jobs of <paramref name="queue"/> for <paramref name="nodeName"/>.</summary>
    /// <param name="nodeName">The claiming node.</param>
    /// <param name="queue">The queue whose enqueues may carry the claim.</param>
    /// <param name="kinds">The kinds the node runs.</param>
    /// <param name="limit">At most this many jobs (the node's free slots).</param>
    /// <param name="leaseDuration">The lease of the claimed jobs, counted from the moment the claim is taken.</param>
    /// <param name="time">The node's clock: the claim's time is read when a write takes the offer.</param>
    /// <param name="completed">Called once the offer is completed (the node wakes to start the jobs).</param>
    public ClaimOffer(string nodeName, string queue, IReadOnlyList<string> kinds, int limit, TimeSpan leaseDuration, TimeProvider time, Action? completed = null)
    {
        NodeName = nodeName ?? throw new ArgumentNullException(nameof(nodeName));
        Queue = queue ?? throw new ArgumentNullException(nameof(queue));
        Kinds = kinds ?? throw new ArgumentNullException(nameof(kinds));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Limit = limit;
        _leaseDuration = leaseDuration;
        _completed = completed;
    }

    /// <summary>The claiming node.</summary>
    public string NodeName { get; }

    /// <summary>The queue whose enqueues may carry the claim.</summary>
    public string Queue { get; }

    /// <summary>The kinds the node runs.</summary>
    public IReadOnlyList<string> Kinds { get; }

    /// <summary>At most this many jobs.</summary>
    public int Limit { get; }

    /// <summary>True until a write took it or its node withdrew it.</summary>
    public bool IsPending => Volatile.Read(ref _state) == Pending;

    /// <summary>The jobs the claim leased, once the store completed the offer.</summary>
    public Task<IReadOnlyList<ClaimedJob>> Claimed => _claimed.Task;

    /// <summary>
    /// Takes the offer for one write and returns the claim to run with it (timed now), or null when another write took
    /// it or its node withdrew it. A store that gets a claim must <see cref="Complete"/> the offer.
    /// </summary>
    public ClaimJobsParams? TryTake()
    {
        if (Interlocked.CompareExchange(ref _state, Taken, Pending) != Pending) return null;
        var now = _time.GetUtcNow();
        TakenClaim = new ClaimJobsParams(NodeName, Queue, Kinds, Limit, now, now + _leaseDuration)
        {
            Affinity = AffinityOwned is null ? null : new ClaimAffinity(AffinityOwned, now - AffinityGrace),
        };
        return TakenClaim;
    }

    /// <summary>The affinity buckets the node owns in the queue (see <see cref="ClaimJobsParams.Affinity"/>); null for none.</summary>
    public AffinityBuckets? AffinityOwned { get; init; }

    /// <summary>The node's affinity grace period, with <see cref="AffinityOwned"/>.</summary>
    public TimeSpan AffinityGrace { get; init; }

    /// <summary>The claim a write took the offer for (its lease end is the jobs' lease end); null until taken.</summary>
    internal ClaimJobsParams? TakenClaim { get; private set; }

    /// <summary>
    /// The write that took the offer has ended: <paramref name="jobs"/> are the jobs its claim leased (committed), or
    /// none when the write failed or went without the claim.
    /// </summary>
    public void Complete(IReadOnlyList<ClaimedJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (Volatile.Read(ref _state) != Taken) throw new InvalidOperationException("only a taken offer is completed");
        if (!_claimed.TrySetResult(jobs)) throw new InvalidOperationException("an offer is completed once");
        _completed?.Invoke();
    }

    /// <summary>The node takes its offer back; false when a write took it first (then <see cref="Claimed"/> will tell what it got).</summary>
    public bool TryWithdraw() => Interlocked.CompareExchange(ref _state, Withdrawn, Pending) == Pending;
}
