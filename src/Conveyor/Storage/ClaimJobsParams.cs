namespace Conveyor.Storage;

/// <summary>A claim: lease up to <paramref name="Limit"/> available jobs of one queue for one node.</summary>
/// <param name="NodeName">The claiming node.</param>
/// <param name="Queue">The queue to claim from.</param>
/// <param name="Kinds">Only jobs of these kinds (the node's handlers).</param>
/// <param name="Limit">At most this many (the node's free slots); at least 1.</param>
/// <param name="Now">The claim time (started_at; compared with run_at).</param>
/// <param name="LeaseExpiresAt">The lease of every claimed job runs out then unless extended.</param>
public sealed record ClaimJobsParams(string NodeName, string Queue, IReadOnlyList<string> Kinds, int Limit, DateTimeOffset Now, DateTimeOffset LeaseExpiresAt)
{
    /// <summary>Key affinity: skip the jobs whose key another node owns, until their grace has passed; null claims regardless of keys.</summary>
    public ClaimAffinity? Affinity { get; init; }
}

/// <summary>A job a node leased: what it needs to run it.</summary>
public sealed record ClaimedJob
{
    public required long Id { get; init; }
    public required string Kind { get; init; }
    public required string Queue { get; init; }
    public required string ArgsJson { get; init; }
    /// <summary>The attempt now running (1 on the first claim).</summary>
    public required int Attempt { get; init; }
    public required int MaxAttempts { get; init; }
    public int Priority { get; init; }
    public TimeSpan? Timeout { get; init; }
    public string? OrderingKey { get; init; }
    public string? AffinityKey { get; init; }
    public long? BatchId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset RunAt { get; init; }
    /// <summary>The W3C <c>traceparent</c> stored at enqueue (<see cref="NewJob.TraceParent"/>); null when none.</summary>
    public string? TraceParent { get; init; }
    /// <summary>The W3C <c>tracestate</c> stored at enqueue; null when none.</summary>
    public string? TraceState { get; init; }
    /// <summary>
    /// The leases this job lost before this claim: its errors of type <see cref="JobError.LeaseExpiredType"/> (see
    /// <see cref="IJobExecutionStore.RescueExpiredLeasesAsync"/>). A node keeps at most one job one lost lease short of the
    /// cap at a time, so that a job that crashes its node cannot take another such job down with it.
    /// </summary>
    public int LostLeases { get; init; }
}
