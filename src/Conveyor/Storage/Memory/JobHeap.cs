namespace Conveyor.Storage.Memory;

/// <summary>
/// The jobs of one index of the memory store, smallest key first: O(1) to add a key no smaller than the last
/// one added and to take the smallest of those, O(log n) otherwise, O(1) to remove any job. Removal is lazy:
/// it bumps the job's <see cref="MemoryJob.IndexVersion"/>, which makes the job's entry stale; stale entries
/// are dropped when they reach the front, and the index is rebuilt from its live entries once they are
/// outnumbered, so memory stays within a small multiple of the live count.
/// </summary>
/// <remarks>
/// A sorted set did the same with a tree node allocated per add and a rebalancing walk per remove; on the
/// claim path (one ready-set removal, one lease add and remove, one finished add per job) that was most of
/// the store's cost. Keys mostly arrive in order (jobs enqueued now, leases and finish times taken from the
/// clock), so entries go to an ordered run, a ring buffer read from its front; a key smaller than the run's
/// last goes to a heap instead, and the smallest key is the smaller of the two fronts. A job sits in at most
/// one of the store's indexes at a time, so one version per job tells whether an entry of any of them is
/// still its current one.
/// </remarks>
internal sealed class JobHeap<TKey>
    where TKey : struct, IComparable<TKey>
{
    private const int CompactionSlack = 1024;
    private readonly PriorityQueue<Entry, TKey> _heap = new();
    // Reused by every rebuild, as are the heap's and the run's arrays: a rebuild allocates nothing once they have grown.
    private readonly List<(Entry, TKey)> _live = [];
    private (Entry Entry, TKey Key)[] _run = new (Entry, TKey)[16];
    private int _runHead;
    private int _runCount;

    /// <summary>The number of live entries.</summary>
    public int Count { get; private set; }

    public void Add(MemoryJob job, TKey key)
    {
        var entry = new Entry(job, job.IndexVersion);
        if (_runCount == 0 || key.CompareTo(RunAt(_runCount - 1).Key) >= 0) Append(entry, key);
        else _heap.Enqueue(entry, key);
        Count++;
    }

    /// <summary>Removes <paramref name="job"/>, which the caller knows to be in this index.</summary>
    public void Remove(MemoryJob job)
    {
        job.IndexVersion++;
        Count--;
        if (_heap.Count + _runCount > 2 * Count + CompactionSlack) Compact();
    }

    /// <summary>The job with the smallest key, and the key, if any.</summary>
    public bool TryPeek(out MemoryJob job, out TKey key)
    {
        while (_runCount > 0 && !IsLive(RunAt(0).Entry)) DropRunHead();
        while (_heap.TryPeek(out var top, out _) && !IsLive(top)) _heap.Dequeue();

        var inRun = _runCount > 0;
        var inHeap = _heap.TryPeek(out var heapEntry, out var heapKey);
        if (inRun && (!inHeap || RunAt(0).Key.CompareTo(heapKey) <= 0))
        {
            (var entry, key) = RunAt(0);
            job = entry.Job;
            return true;
        }
        if (inHeap)
        {
            job = heapEntry.Job;
            key = heapKey;
            return true;
        }
        job = null!;
        key = default;
        return false;
    }

    private static bool IsLive(Entry entry) => entry.Version == entry.Job.IndexVersion;

    private ref (Entry Entry, TKey Key) RunAt(int index) => ref _run[(_runHead + index) % _run.Length];

    private void Append(Entry entry, TKey key)
    {
        if (_runCount == _run.Length)
        {
            var grown = new (Entry, TKey)[_run.Length * 2];
            for (var i = 0; i < _runCount; i++) grown[i] = RunAt(i);
            _run = grown;
            _runHead = 0;
        }
        RunAt(_runCount) = (entry, key);
        _runCount++;
    }

    private void DropRunHead()
    {
        RunAt(0) = default; // no reference to the job kept
        _runHead = (_runHead + 1) % _run.Length;
        _runCount--;
    }

    private void Compact()
    {
        // The run keeps its order: its live entries move to the front of its array.
        for (var i = 0; i < _runCount; i++)
        {
            var item = RunAt(i);
            if (IsLive(item.Entry)) _live.Add(item);
        }
        Array.Clear(_run);
        _live.CopyTo(_run);
        _runHead = 0;
        _runCount = _live.Count;
        _live.Clear();

        foreach (var (entry, key) in _heap.UnorderedItems)
        {
            if (IsLive(entry)) _live.Add((entry, key));
        }
        _heap.Clear();
        _heap.EnqueueRange(_live);
        _live.Clear();
    }

    private readonly record struct Entry(MemoryJob Job, int Version);
}
