using System.Collections;

namespace Conveyor.Storage;

/// <summary>
/// The answer of a claim: the jobs leased, in claim order, and what the queue's limits told the claim, so the node
/// neither prefetches on a limited queue nor spins on a rate-limited one.
/// </summary>
public sealed class ClaimedJobs : IReadOnlyList<ClaimedJob>
{
    private readonly IReadOnlyList<ClaimedJob> _jobs;

    /// <summary>The answer of a claim that leased <paramref name="jobs"/>.</summary>
    /// <param name="jobs">The jobs, in claim order.</param>
    /// <param name="limited">The queue has a global limit, a rate limit or is ordered (<see cref="QueueLimits.LimitsClaims"/>).</param>
    /// <param name="nextStartAt">The rate limit's window is full: no job of the queue may start before then.</param>
    public ClaimedJobs(IReadOnlyList<ClaimedJob> jobs, bool limited = false, DateTimeOffset? nextStartAt = null)
    {
        _jobs = jobs ?? throw new ArgumentNullException(nameof(jobs));
        Limited = limited;
        NextStartAt = nextStartAt;
    }

    /// <summary>No jobs, no limits.</summary>
    public static ClaimedJobs None { get; } = new([]);

    /// <summary>True when the queue's claims are limited: the node claims only for its free slots (no prefetch).</summary>
    public bool Limited { get; }

    /// <summary>When the queue's rate limit lets the next job start, while its window is full; null otherwise.</summary>
    public DateTimeOffset? NextStartAt { get; }

    /// <inheritdoc />
    public ClaimedJob this[int index] => _jobs[index];

    /// <inheritdoc />
    public int Count => _jobs.Count;

    /// <inheritdoc />
    public IEnumerator<ClaimedJob> GetEnumerator() => _jobs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
