namespace Conveyor.Storage.Memory;

/// <summary>
/// The jobs of one index of the memory store, smallest key first: O(log n) to add or take the smallest, O(1)
/// to remove any job. Removal is lazy: it bumps the job's <see cref="MemoryJob.IndexVersion"/>, which
/// makes the job's entry stale; stale entries are dropped when they reach the top, and the heap is rebuilt
/// from its live entries once they are outnumbered, so memory stays within a small multiple of the live
/// count.
/// </summary>
/// <remarks>
/// A sorted set did the same with a tree node allocated per add and a rebalancing walk per remove; on the
/// claim path (one ready-set removal, one lease add and remove, one finished add per job) that was most of
/// the store's cost. A job sits in at most one of the store's indexes at a time, so one version per job
/// tells whether an entry of any heap is still its current one.
/// </remarks>
internal sealed class JobHeap<TKey>
    where TKey : struct, IComparable<TKey>
{
    private const int CompactionSlack = 1024;
    private readonly PriorityQueue<Entry, TKey> _heap = new();
    // Reused by every rebuild, as is the heap's own array: a rebuild allocates nothing once both have grown.
    private readonly List<(Entry, TKey)> _live = [];

    /// <summary>The number of live entries.</summary>
    public int Count { get; private set; }

    public void Add(MemoryJob job, TKey key)
    {
        _heap.Enqueue(new Entry(job, job.IndexVersion), key);
        Count++;
    }

    /// <summary>Removes <paramref name="job"/>, which the caller knows to be in this heap.</summary>
    public void Remove(MemoryJob job)
    {
        job.IndexVersion++;
        Count--;
        if (_heap.Count > 2 * Count + CompactionSlack) Compact();
    }

    /// <summary>The job with the smallest key, and the key, if any.</summary>
    public bool TryPeek(out MemoryJob job, out TKey key)
    {
        while (_heap.TryPeek(out var entry, out key))
        {
            if (entry.Version == entry.Job.IndexVersion)
            {
                job = entry.Job;
                return true;
            }
            _heap.Dequeue();
        }
        job = null!;
        return false;
    }

    private void Compact()
    {
        foreach (var (entry, key) in _heap.UnorderedItems)
        {
            if (entry.Version == entry.Job.IndexVersion) _live.Add((entry, key));
        }
        _heap.Clear();
        _heap.EnqueueRange(_live);
        _live.Clear();
    }

    private readonly record struct Entry(MemoryJob Job, int Version);
}
