namespace Conveyor.Storage.Memory;

/// <summary>
/// One job as the memory store holds it: mutable, and only ever touched under the store's lock.
/// Readers get immutable <see cref="JobInfo"/> snapshots.
/// </summary>
internal sealed class MemoryJob
{
    public required long Id { get; init; }
    public required string Kind { get; init; }
    public required MemoryQueue Queue { get; init; }
    public required string ArgsJson { get; init; }
    public required int Priority { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public TimeSpan? Timeout { get; init; }
    public string? OrderingKey { get; init; }
    public string? UniqueKey { get; init; }
    public TimeSpan? UniqueFor { get; init; }
    public string? AffinityKey { get; init; }
    public long? AfterJobId { get; init; }
    public long? BatchId { get; init; }
    public string? TraceParent { get; init; }
    public string? TraceState { get; init; }

    public int MaxAttempts { get; set; }
    public JobState State { get; set; }
    public DateTimeOffset RunAt { get; set; }
    public int Attempt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Node { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public JobProgress? Progress { get; set; }
    public string? ResultJson { get; set; }
    public List<JobError> Errors { get; } = [];

    /// <summary>
    /// Bumped whenever the job leaves a <see cref="JobHeap{TKey}"/>: an entry carrying an older version is stale.
    /// </summary>
    public int IndexVersion { get; set; }

    /// <summary>In its queue's ready set (available, due, first of its ordering key).</summary>
    public bool InReady { get; set; }

    /// <summary>In the store's set of available jobs whose run_at has not come yet (or whose ordering key is held).</summary>
    public bool InNotYetDue { get; set; }

    /// <summary>While <see cref="InNotYetDue"/>: the time (UTC ticks) of its entry there, run_at or the end of a key's hold.</summary>
    public long NotYetDueTicks { get; set; }

    /// <summary>Removed from the store; stale references (unique keys, the id list) skip it.</summary>
    public bool Deleted { get; set; }

    public JobInfo ToInfo() => new()
    {
        Id = Id,
        Kind = Kind,
        Queue = Queue.Name,
        State = State,
        ArgsJson = ArgsJson,
        Priority = Priority,
        Attempt = Attempt,
        MaxAttempts = MaxAttempts,
        RunAt = RunAt,
        CreatedAt = CreatedAt,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        Timeout = Timeout,
        OrderingKey = OrderingKey,
        UniqueKey = UniqueKey,
        AffinityKey = AffinityKey,
        AfterJobId = AfterJobId,
        BatchId = BatchId,
        Node = Node,
        LeaseExpiresAt = LeaseExpiresAt,
        Progress = Progress,
        ResultJson = ResultJson,
        Errors = Errors.Count == 0 ? [] : Errors.ToArray(),
    };

    public ClaimedJob ToClaimed() => new()
    {
        Id = Id,
        Kind = Kind,
        Queue = Queue.Name,
        ArgsJson = ArgsJson,
        Attempt = Attempt,
        MaxAttempts = MaxAttempts,
        Priority = Priority,
        Timeout = Timeout,
        OrderingKey = OrderingKey,
        AffinityKey = AffinityKey,
        BatchId = BatchId,
        CreatedAt = CreatedAt,
        RunAt = RunAt,
        TraceParent = TraceParent,
        TraceState = TraceState,
        LostLeases = LostLeases(),
    };

    /// <summary>The leases this job lost: its errors of type <see cref="JobError.LeaseExpiredType"/>.</summary>
    public int LostLeases()
    {
        var lost = 0;
        foreach (var error in Errors)
        {
            if (error.Type == JobError.LeaseExpiredType) lost++;
        }
        return lost;
    }
}
