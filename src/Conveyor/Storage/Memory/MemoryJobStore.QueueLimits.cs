namespace Conveyor.Storage.Memory;

// The queue settings role and the limits a claim and an insert apply, under the store's lock.
public sealed partial class MemoryJobStore
{
    /// <inheritdoc />
    public Task SetQueueLimitsAsync(SetQueueLimitsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parameters.Limits);
        cancellationToken.ThrowIfCancellationRequested();
        Change(parameters, static (store, p) =>
        {
            var queue = store.GetQueue(p.Queue);
            queue.Limits = p.Limits;
            queue.HasPauseRecord = true;
            if (p.Limits.RateLimit is null) queue.Starts.Clear();
            // Looser limits may let waiting jobs start now.
            if (!queue.Paused && queue.HasReadyJobs()) store.MarkForSignal(queue);
            return true;
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<QueueSettings?> GetQueueSettingsAsync(GetQueueSettingsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(_queues.TryGetValue(parameters.Queue, out var queue) && queue.HasPauseRecord
                ? new QueueSettings(queue.Paused, queue.Limits)
                : null);
        }
    }

    /// <summary>A claim from a queue with a global limit, a rate limit or the ordered flag.</summary>
    private ClaimedJobs ClaimLimited(MemoryQueue queue, ClaimJobsParams parameters)
    {
        var limits = queue.Limits;
        var now = parameters.Now;
        var running = queue.CountOf(JobState.Running);
        var room = parameters.Limit;
        if (limits.GlobalLimit is { } global) room = Math.Min(room, global - (int)Math.Min(running, int.MaxValue));
        if (limits.RateLimit is { } rate)
        {
            while (queue.Starts.Count > 0 && queue.Starts.Peek() <= now - rate.StartLogRetention) queue.Starts.Dequeue();
            room = Math.Min(room, rate.Count - queue.Starts.Count(s => s > now - rate.Period));
        }
        List<ClaimedJob> claimed = [];
        if (room > 0 && limits.Ordered)
        {
            // Only the queue's oldest unfinished job, and only while none of the queue runs.
            if (running == 0 && OldestUnfinished(queue) is { State: JobState.Available, InReady: true } head && head.RunAt <= now
                && parameters.Kinds.Contains(head.Kind, StringComparer.Ordinal))
            {
                claimed.Add(Lease(head, parameters));
            }
        }
        else if (room > 0)
        {
            var sets = new List<JobHeap<ClaimKey>>(parameters.Kinds.Count);
            foreach (var kind in parameters.Kinds)
            {
                if (queue.ReadyByKind.TryGetValue(kind, out var set) && set.Count > 0 && !sets.Contains(set)) sets.Add(set);
            }
            if (sets.Count > 0) claimed = ClaimReady(sets, parameters, room);
        }
        DateTimeOffset? nextStartAt = null;
        if (limits.RateLimit is { } limit)
        {
            foreach (var _ in claimed) queue.Starts.Enqueue(now);
            // The window frees when the start that fills it to the limit leaves it.
            var inWindow = queue.Starts.Where(s => s > now - limit.Period).Order().ToList();
            if (inWindow.Count >= limit.Count) nextStartAt = inWindow[^limit.Count] + limit.Period;
        }
        return new ClaimedJobs(claimed, limited: true, nextStartAt);
    }

    /// <summary>The queue's unfinished job with the smallest id (a scan: only ordered queues ask).</summary>
    private MemoryJob? OldestUnfinished(MemoryQueue queue)
    {
        foreach (var job in _byId)
        {
            if (!job.Deleted && job.Queue == queue && !job.State.IsFinal()) return job;
        }
        return null;
    }

    /// <summary>Throws <see cref="QueueBacklogFullException"/> when the jobs an insert would add overfill a queue's backlog.</summary>
    private void EnsureBacklogRoom(IReadOnlyList<NewJob> jobs, DateTimeOffset now)
    {
        Dictionary<MemoryQueue, long>? added = null;
        HashSet<string>? keys = null;
        foreach (var job in jobs)
        {
            if (!_queues.TryGetValue(job.Queue, out var queue) || queue.Limits.MaxBacklog is null) continue;
            // A job that a unique key turns into the existing one, or that starts cancelled, adds nothing.
            if (job.UniqueKey is { } key && (FindUniqueHolder(key, now) is not null || !(keys ??= new(StringComparer.Ordinal)).Add(key))) continue;
            if (job.AfterJobId is { } after && _jobs[after].State is JobState.Dead or JobState.Cancelled) continue;
            added ??= [];
            added[queue] = added.GetValueOrDefault(queue) + 1;
        }
        if (added is null) return;
        foreach (var (queue, count) in added)
        {
            var backlog = Backlog(queue);
            if (backlog + count > queue.Limits.MaxBacklog!.Value) throw new QueueBacklogFullException(queue.Name, queue.Limits.MaxBacklog.Value, backlog);
        }
    }

    private static long Backlog(MemoryQueue queue) =>
        queue.CountOf(JobState.Available) + queue.CountOf(JobState.Scheduled) + queue.CountOf(JobState.Retrying) + queue.CountOf(JobState.Waiting);

    private Dictionary<string, long> AvailableByKind(MemoryQueue queue)
    {
        var byKind = new Dictionary<string, long>(StringComparer.Ordinal);
        if (queue.CountOf(JobState.Available) == 0) return byKind;
        foreach (var job in _jobs.Values)
        {
            if (job.Queue == queue && job.State == JobState.Available) byKind[job.Kind] = byKind.GetValueOrDefault(job.Kind) + 1;
        }
        return byKind;
    }
}
