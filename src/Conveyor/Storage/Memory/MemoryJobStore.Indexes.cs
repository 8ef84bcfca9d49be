namespace Conveyor.Storage.Memory;

// The job table and its indexes. Every state change goes Begin → mutate → End, which keeps each
// index in step with the job's state: available jobs in their queue's ready set (or waiting for
// their run_at), scheduled/retrying jobs by run_at, running ones by lease end, final ones by finish
// time, non-final ones with an ordering key in that key's id set.
public sealed partial class MemoryJobStore
{
    private readonly Dictionary<long, MemoryJob> _jobs = [];
    // Every job in id order, for listing newest first; deleted jobs are skipped and compacted away.
    private readonly List<MemoryJob> _byId = [];
    private readonly Dictionary<string, MemoryQueue> _queues = new(StringComparer.Ordinal);
    // Available jobs whose run_at was later than "now" when they became available.
    private readonly SortedSet<(long RunAt, long Id)> _notYetDue = [];
    private readonly SortedSet<(long RunAt, long Id)> _promotable = [];
    // Running jobs by lease end and final jobs by finish time: touched twice per job on the claim path, so
    // heaps with lazy removal rather than sorted sets (see JobHeap).
    private readonly JobHeap<TimeKey> _leases = new();
    private readonly JobHeap<TimeKey> _succeeded = new();
    private readonly JobHeap<TimeKey> _dead = new();
    private readonly JobHeap<TimeKey> _cancelled = new();
    // Ids of the non-final jobs of each ordering key: only the smallest may be claimed.
    private readonly Dictionary<string, SortedSet<long>> _orderingKeys = new(StringComparer.Ordinal);
    // Ordering keys held by a job cancelled while it ran, until its attempt's lease ends (its handler may still be stopping).
    private readonly Dictionary<string, (long JobId, DateTimeOffset Until)> _orderingHolds = new(StringComparer.Ordinal);
    // Parent id → ids of the jobs inserted to wait for it.
    private readonly Dictionary<long, List<long>> _dependents = [];
    // Unique key → ids of the jobs that may hold it (stale entries are dropped when checked).
    private readonly Dictionary<string, List<long>> _uniqueKeys = new(StringComparer.Ordinal);
    // Queues that got claimable jobs during the current call; signalled after the lock is released.
    private readonly List<MemoryQueue> _signals = [];
    private readonly Queue<MemoryJob> _ended = new();
    private bool _resolvingDependents;
    private int _deletedInIdList;
    private long _lastId;

    private MemoryQueue GetQueue(string name)
    {
        if (!_queues.TryGetValue(name, out var queue))
        {
            queue = new MemoryQueue(name);
            _queues[name] = queue;
        }
        return queue;
    }

    private void MarkForSignal(MemoryQueue queue)
    {
        if (queue.SignalPending) return;
        queue.SignalPending = true;
        _signals.Add(queue);
    }

    private JobHeap<TimeKey> FinishedSet(JobState state) => state switch
    {
        JobState.Succeeded => _succeeded,
        JobState.Dead => _dead,
        JobState.Cancelled => _cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a final state"),
    };

    /// <summary>Takes the job out of the indexes of its current state; returns whether that state was final.</summary>
    private bool Begin(MemoryJob job)
    {
        var wasFinal = job.State.IsFinal();
        Detach(job);
        return wasFinal;
    }

    /// <summary>Puts the job into the indexes of its new state and applies what a state change implies.</summary>
    private void End(MemoryJob job, bool wasFinal, DateTimeOffset now)
    {
        var isFinal = job.State.IsFinal();
        if (wasFinal && !isFinal) AcquireOrderingKey(job);
        Attach(job, now);
        if (!wasFinal && isFinal)
        {
            ReleaseOrderingKey(job, now);
            ResolveDependents(job, now);
        }
        if (job.BatchId is not null) CountBatchChild(job, wasFinal, isFinal, now);
    }

    private void Detach(MemoryJob job)
    {
        switch (job.State)
        {
            case JobState.Available:
                if (job.InReady)
                {
                    job.Queue.ReadySet(job.Kind).Remove(job);
                    job.InReady = false;
                }
                if (job.InNotYetDue)
                {
                    _notYetDue.Remove((job.NotYetDueTicks, job.Id));
                    job.InNotYetDue = false;
                }
                break;
            case JobState.Scheduled or JobState.Retrying:
                _promotable.Remove((job.RunAt.UtcTicks, job.Id));
                break;
            case JobState.Running:
                _leases.Remove(job);
                break;
            case JobState.Succeeded or JobState.Dead or JobState.Cancelled:
                FinishedSet(job.State).Remove(job);
                break;
        }
        job.Queue.Count(job.State, -1);
    }

    private void Attach(MemoryJob job, DateTimeOffset now)
    {
        job.Queue.Count(job.State, +1);
        switch (job.State)
        {
            case JobState.Available:
                PlaceAvailable(job, now);
                break;
            case JobState.Scheduled or JobState.Retrying:
                _promotable.Add((job.RunAt.UtcTicks, job.Id));
                break;
            case JobState.Running:
                _leases.Add(job, new TimeKey(job.LeaseExpiresAt!.Value.UtcTicks, job.Id));
                break;
            case JobState.Succeeded or JobState.Dead or JobState.Cancelled:
                FinishedSet(job.State).Add(job, new TimeKey(job.FinishedAt!.Value.UtcTicks, job.Id));
                break;
        }
    }

    /// <summary>An available job goes to its queue's ready set when it is due and first of its ordering key.</summary>
    private void PlaceAvailable(MemoryJob job, DateTimeOffset now)
    {
        if (job.RunAt > now)
        {
            Defer(job, job.RunAt.UtcTicks);
            return;
        }
        if (!IsFirstOfOrderingKey(job)) return;
        if (job.OrderingKey is { } key && _orderingHolds.TryGetValue(key, out var hold))
        {
            if (hold.Until > now)
            {
                Defer(job, hold.Until.UtcTicks);
                return;
            }
            _orderingHolds.Remove(key);
        }
        job.Queue.ReadySet(job.Kind).Add(job, ClaimKey.Of(job));
        job.InReady = true;
        MarkForSignal(job.Queue);
    }

    /// <summary>Keeps an available job out of its ready set until <paramref name="ticks"/> (UTC).</summary>
    private void Defer(MemoryJob job, long ticks)
    {
        _notYetDue.Add((ticks, job.Id));
        job.NotYetDueTicks = ticks;
        job.InNotYetDue = true;
    }

    /// <summary>
    /// A job cancelled while it ran holds its ordering key until its attempt's lease ends: its node stops the handler at
    /// its next heartbeat, and the next job of the key must not run beside it meanwhile. Call before the job's state
    /// change takes effect (<see cref="End"/> releases the key to the next job).
    /// </summary>
    private void HoldOrderingKeyWhileStopping(MemoryJob job, DateTimeOffset now)
    {
        if (job.OrderingKey is not { } key || job.LeaseExpiresAt is not { } lease || lease <= now) return;
        if (!_orderingHolds.TryGetValue(key, out var hold) || hold.Until < lease) _orderingHolds[key] = (job.Id, lease);
    }

    /// <summary>A deleted job's hold on its ordering key ends: the key's first job, held back, may become claimable.</summary>
    private void DropOrderingHold(MemoryJob job, DateTimeOffset now)
    {
        if (job.OrderingKey is not { } key || !_orderingHolds.TryGetValue(key, out var hold) || hold.JobId != job.Id) return;
        _orderingHolds.Remove(key);
        if (!_orderingKeys.TryGetValue(key, out var ids) || ids.Count == 0) return;
        var first = _jobs[ids.Min];
        if (first.State != JobState.Available || first.InReady) return;
        if (first.InNotYetDue)
        {
            _notYetDue.Remove((first.NotYetDueTicks, first.Id));
            first.InNotYetDue = false;
        }
        PlaceAvailable(first, now);
    }

    /// <summary>Moves available jobs whose run_at has come into their ready sets.</summary>
    private void ReleaseDueJobs(DateTimeOffset now)
    {
        var nowTicks = now.UtcTicks;
        while (_notYetDue.Count > 0)
        {
            var (runAt, id) = _notYetDue.Min;
            if (runAt > nowTicks) break;
            _notYetDue.Remove((runAt, id));
            var job = _jobs[id];
            job.InNotYetDue = false;
            PlaceAvailable(job, now);
        }
    }

    private bool IsFirstOfOrderingKey(MemoryJob job) =>
        job.OrderingKey is null || _orderingKeys[job.OrderingKey].Min == job.Id;

    /// <summary>Registers a job that became non-final; a smaller id takes the key from the job that held it.</summary>
    private void AcquireOrderingKey(MemoryJob job)
    {
        if (job.OrderingKey is null) return;
        if (!_orderingKeys.TryGetValue(job.OrderingKey, out var ids))
        {
            ids = [];
            _orderingKeys[job.OrderingKey] = ids;
        }
        if (ids.Count > 0 && job.Id < ids.Min && _jobs.TryGetValue(ids.Min, out var previous) && previous.InReady)
        {
            previous.Queue.ReadySet(previous.Kind).Remove(previous);
            previous.InReady = false;
        }
        ids.Add(job.Id);
    }

    /// <summary>Unregisters a job that became final or was deleted; the next job of the key may become claimable.</summary>
    private void ReleaseOrderingKey(MemoryJob job, DateTimeOffset now)
    {
        if (job.OrderingKey is null || !_orderingKeys.TryGetValue(job.OrderingKey, out var ids)) return;
        var wasFirst = ids.Count > 0 && ids.Min == job.Id;
        ids.Remove(job.Id);
        if (ids.Count == 0)
        {
            _orderingKeys.Remove(job.OrderingKey);
            return;
        }
        if (!wasFirst) return;
        var next = _jobs[ids.Min];
        if (next.State == JobState.Available && !next.InReady && !next.InNotYetDue)
            PlaceAvailable(next, now);
    }

    /// <summary>Records that <paramref name="childId"/> waits for <paramref name="parentId"/>.</summary>
    private void AddDependent(long parentId, long childId)
    {
        if (!_dependents.TryGetValue(parentId, out var children))
        {
            children = [];
            _dependents[parentId] = children;
        }
        children.Add(childId);
    }

    /// <summary>
    /// Releases or cancels the jobs waiting on jobs that just ended. Iterative, so a long chain of
    /// dependents cannot overflow the stack.
    /// </summary>
    private void ResolveDependents(MemoryJob parent, DateTimeOffset now)
    {
        _ended.Enqueue(parent);
        if (_resolvingDependents) return;
        _resolvingDependents = true;
        try
        {
            while (_ended.TryDequeue(out var ended))
            {
                if (!_dependents.Remove(ended.Id, out var children)) continue;
                var succeeded = ended.State == JobState.Succeeded && !ended.Deleted;
                foreach (var childId in children)
                {
                    if (!_jobs.TryGetValue(childId, out var child) || child.State != JobState.Waiting) continue;
                    var wasFinal = Begin(child);
                    if (succeeded)
                    {
                        child.State = child.RunAt > now ? JobState.Scheduled : JobState.Available;
                    }
                    else
                    {
                        child.State = JobState.Cancelled;
                        child.FinishedAt = now;
                        child.Errors.Add(JobError.DependencyFailed(child.Attempt, now, ended.Id, ended.Deleted ? JobState.Cancelled : ended.State));
                    }
                    End(child, wasFinal, now);
                }
            }
        }
        finally
        {
            _resolvingDependents = false;
        }
    }

    /// <summary>The job that holds <paramref name="key"/> at <paramref name="now"/>, if any.</summary>
    private MemoryJob? FindUniqueHolder(string key, DateTimeOffset now)
    {
        if (!_uniqueKeys.TryGetValue(key, out var ids)) return null;
        MemoryJob? holder = null;
        for (var i = ids.Count - 1; i >= 0; i--)
        {
            if (!_jobs.TryGetValue(ids[i], out var job))
            {
                ids.RemoveAt(i);
                continue;
            }
            if (!job.State.IsFinal() || InUniquePeriod(job, now))
            {
                holder ??= job;
                continue;
            }
            // A final job can hold the key again only through an explicit retry, which registers it anew.
            ids.RemoveAt(i);
        }
        if (ids.Count == 0) _uniqueKeys.Remove(key);
        return holder;
    }

    /// <summary>
    /// Whether <paramref name="job"/> succeeded and its unique period (finished_at + unique_for) ends after
    /// <paramref name="at"/>. Added in UTC ticks and saturated at <see cref="DateTimeOffset.MaxValue"/>: a caller of
    /// the store may give any period (the validator's bound applies only to the client), and that must not overflow.
    /// </summary>
    private static bool InUniquePeriod(MemoryJob job, DateTimeOffset at)
    {
        if (job.State != JobState.Succeeded || job.UniqueFor is not { } period) return false;
        var finished = job.FinishedAt!.Value.UtcTicks;
        var maxTicks = DateTimeOffset.MaxValue.UtcTicks;
        var ends = period.Ticks > maxTicks - finished ? maxTicks : finished + period.Ticks;
        return ends > at.UtcTicks;
    }

    private void RegisterUniqueKey(MemoryJob job)
    {
        if (job.UniqueKey is null) return;
        if (!_uniqueKeys.TryGetValue(job.UniqueKey, out var ids))
        {
            ids = [];
            _uniqueKeys[job.UniqueKey] = ids;
        }
        if (!ids.Contains(job.Id)) ids.Add(job.Id);
    }

    /// <summary>Removes a job that is not running from the table and every index.</summary>
    private void Remove(MemoryJob job, DateTimeOffset now)
    {
        var wasFinal = job.State.IsFinal();
        Detach(job);
        _jobs.Remove(job.Id);
        job.Deleted = true;
        if (!wasFinal) ReleaseOrderingKey(job, now);
        else DropOrderingHold(job, now);
        ResolveDependents(job, now);
        if (job.BatchId is not null) CountBatchChild(job, wasFinal, isFinal: true, now);
        _deletedInIdList++;
        if (_deletedInIdList > 1024 && _deletedInIdList > _byId.Count / 2)
        {
            _byId.RemoveAll(j => j.Deleted);
            _deletedInIdList = 0;
        }
    }
}
