namespace Conveyor.Storage.Memory;

/// <summary>
/// One queue of the memory store: its pause flag, its counts per state, and per kind the set of jobs
/// a claim may take right now, in claim order. Keeping one set per kind lets a claim for a subset of
/// kinds merge the heads of a few sets instead of scanning past jobs it cannot run.
/// </summary>
internal sealed class MemoryQueue(string name)
{
    private readonly long[] _counts = new long[StateCount];

    /// <summary>The number of <see cref="JobState"/> values (they are 0…7).</summary>
    public const int StateCount = 8;

    public string Name { get; } = name;

    public bool Paused { get; set; }

    /// <summary>Its flow-control limits.</summary>
    public QueueLimits Limits { get; set; } = QueueLimits.None;

    /// <summary>The start times of its recent claims, oldest first, while it has a rate limit (pruned by each claim).</summary>
    public Queue<DateTimeOffset> Starts { get; } = new();

    /// <summary>True once the queue was paused, resumed or limited, so it is listed even without jobs.</summary>
    public bool HasPauseRecord { get; set; }

    /// <summary>True while the queue is listed in the store's pending signals of the current call.</summary>
    public bool SignalPending { get; set; }

    public Dictionary<string, JobHeap<ClaimKey>> ReadyByKind { get; } = new(StringComparer.Ordinal);

    public long Total { get; private set; }

    public void Count(JobState state, int delta)
    {
        _counts[(int)state] += delta;
        Total += delta;
    }

    public long CountOf(JobState state) => _counts[(int)state];

    public IReadOnlyDictionary<JobState, long> Counts()
    {
        var counts = new Dictionary<JobState, long>(StateCount);
        foreach (var state in JobStates.All) counts[state] = _counts[(int)state];
        return counts;
    }

    public JobHeap<ClaimKey> ReadySet(string kind)
    {
        if (!ReadyByKind.TryGetValue(kind, out var set))
        {
            set = new JobHeap<ClaimKey>();
            ReadyByKind[kind] = set;
        }
        return set;
    }

    public bool HasReadyJobs()
    {
        foreach (var set in ReadyByKind.Values)
        {
            if (set.Count > 0) return true;
        }
        return false;
    }
}
