namespace Conveyor.Storage.Memory;

// The verbs of the SPI, each run under the store's lock by its public method.
public sealed partial class MemoryJobStore
{
    private List<InsertedJob> Insert(IReadOnlyList<NewJob> jobs, DateTimeOffset now)
    {
        // Check everything first: a failed insert must leave nothing behind.
        foreach (var job in jobs)
        {
            ArgumentNullException.ThrowIfNull(job);
            if (job.State is not (JobState.Available or JobState.Scheduled))
                throw new ArgumentException($"a new job starts available or scheduled, not {job.State.ToWireName()}", nameof(jobs));
            if (job.AfterJobId is { } after && !_jobs.ContainsKey(after))
                throw new JobNotFoundException(after);
        }
        EnsureBacklogRoom(jobs, now);

        var inserted = new List<InsertedJob>(jobs.Count);
        foreach (var newJob in jobs)
        {
            if (newJob.UniqueKey is { } key && FindUniqueHolder(key, now) is { } holder)
            {
                inserted.Add(new InsertedJob(holder.Id, Existing: true));
                continue;
            }

            var job = new MemoryJob
            {
                Id = ++_lastId,
                Kind = newJob.Kind,
                Queue = GetQueue(newJob.Queue),
                ArgsJson = newJob.ArgsJson,
                Priority = newJob.Priority,
                MaxAttempts = newJob.MaxAttempts,
                CreatedAt = now,
                RunAt = newJob.RunAt,
                State = newJob.State,
                Timeout = newJob.Timeout,
                OrderingKey = newJob.OrderingKey,
                UniqueKey = newJob.UniqueKey,
                UniqueFor = newJob.UniqueFor,
                AffinityKey = newJob.AffinityKey,
                AfterJobId = newJob.AfterJobId,
                BatchId = newJob.BatchId,
                TraceParent = newJob.TraceParent,
                TraceState = newJob.TraceState,
            };
            if (newJob.AfterJobId is { } parentId)
            {
                var parent = _jobs[parentId];
                if (parent.State is JobState.Dead or JobState.Cancelled)
                {
                    job.State = JobState.Cancelled;
                    job.FinishedAt = now;
                    job.Errors.Add(JobError.DependencyFailed(job.Attempt, now, parent.Id, parent.State));
                }
                else if (parent.State != JobState.Succeeded)
                {
                    job.State = JobState.Waiting;
                    AddDependent(parentId, job.Id);
                }
            }

            _jobs.Add(job.Id, job);
            _byId.Add(job);
            RegisterUniqueKey(job);
            if (!job.State.IsFinal()) AcquireOrderingKey(job);
            Attach(job, now);
            inserted.Add(new InsertedJob(job.Id, Existing: false));
        }
        return inserted;
    }

    private ClaimedJobs Claim(ClaimJobsParams parameters)
    {
        if (!_queues.TryGetValue(parameters.Queue, out var queue) || queue.Paused) return ClaimedJobs.None;
        var now = parameters.Now;
        ReleaseDueJobs(now);
        if (queue.Limits.LimitsClaims) return ClaimLimited(queue, parameters);

        // One ready set per kind; a claim merges their heads, so it costs O(kinds · log n) per job.
        var sets = new List<JobHeap<ClaimKey>>(parameters.Kinds.Count);
        foreach (var kind in parameters.Kinds)
        {
            if (queue.ReadyByKind.TryGetValue(kind, out var set) && set.Count > 0 && !sets.Contains(set))
                sets.Add(set);
        }
        if (sets.Count == 0) return ClaimedJobs.None;
        return new ClaimedJobs(ClaimReady(sets, parameters, parameters.Limit));
    }

    /// <summary>Leases up to <paramref name="limit"/> jobs from the heads of the ready <paramref name="sets"/>, in claim order.</summary>
    private List<ClaimedJob> ClaimReady(List<JobHeap<ClaimKey>> sets, ClaimJobsParams parameters, int limit)
    {
        var now = parameters.Now;
        var claimed = new List<ClaimedJob>(Math.Min(limit, 64));
        // Jobs whose affinity key another node owns (within the grace) are set aside while the claim walks past them.
        List<(JobHeap<ClaimKey> Set, MemoryJob Job, ClaimKey Key)>? passed = null;
        while (claimed.Count < limit)
        {
            MemoryJob? next = null;
            JobHeap<ClaimKey>? nextSet = null;
            var nextKey = default(ClaimKey);
            foreach (var set in sets)
            {
                if (!set.TryPeek(out var head, out var key)) continue;
                if (next is null || key.CompareTo(nextKey) < 0)
                {
                    next = head;
                    nextSet = set;
                    nextKey = key;
                }
            }
            if (next is null) break;
            if (parameters.Affinity is { } affinity && next.RunAt <= now && !affinity.Admits(next.AffinityKey, next.RunAt))
            {
                nextSet!.Remove(next);
                (passed ??= []).Add((nextSet, next, nextKey));
                continue;
            }

            if (next.RunAt > now)
            {
                // Only when callers' clocks disagree: the job was made ready by a later "now" than this claim's.
                Detach(next);
                next.Queue.Count(next.State, +1);
                Defer(next, next.RunAt.UtcTicks);
                continue;
            }

            claimed.Add(Lease(next, parameters));
        }
        if (passed is not null)
        {
            foreach (var (set, job, key) in passed) set.Add(job, key);
        }
        return claimed;
    }

    private ClaimedJob Lease(MemoryJob job, ClaimJobsParams parameters)
    {
        Detach(job);
        job.State = JobState.Running;
        job.Attempt++;
        job.Node = parameters.NodeName;
        job.StartedAt = parameters.Now;
        job.LeaseExpiresAt = parameters.LeaseExpiresAt;
        Attach(job, parameters.Now);
        return job.ToClaimed();
    }

    /// <summary>Applies one outcome; false when the fence refused it (the node no longer runs that attempt).</summary>
    private bool Complete(string node, JobCompletion completion, DateTimeOffset now)
    {
        if (!_jobs.TryGetValue(completion.Id, out var job) || job.State != JobState.Running
            || job.Node != node || job.Attempt != completion.Attempt)
        {
            return false;
        }

        var wasFinal = Begin(job);
        if (completion.StartedAt is { } started && completion.Outcome != JobOutcome.Released) job.StartedAt = started;
        switch (completion.Outcome)
        {
            case JobOutcome.Succeeded:
                job.State = JobState.Succeeded;
                job.FinishedAt = now;
                job.ResultJson = completion.ResultJson;
                break;
            case JobOutcome.Retry:
                job.State = JobState.Retrying;
                job.RunAt = completion.RetryAt ?? now;
                if (completion.Error is { } retryError) job.Errors.Add(retryError);
                break;
            case JobOutcome.Dead:
                job.State = JobState.Dead;
                job.FinishedAt = now;
                if (completion.Error is { } deadError) job.Errors.Add(deadError);
                break;
            default:
                job.State = JobState.Available;
                job.Attempt--;
                job.Node = null;
                job.StartedAt = null;
                job.LeaseExpiresAt = null;
                job.Progress = null;
                if (completion.RetryAt is { } releasedUntil) job.RunAt = releasedUntil;
                break;
        }
        End(job, wasFinal, now);
        return true;
    }

    private int PromoteDue(DateTimeOffset now, int limit)
    {
        var promoted = 0;
        var nowTicks = now.UtcTicks;
        while (promoted < limit && _promotable.Count > 0)
        {
            var (runAt, id) = _promotable.Min;
            if (runAt > nowTicks) break;
            var job = _jobs[id];
            var wasFinal = Begin(job);
            job.State = JobState.Available;
            End(job, wasFinal, now);
            promoted++;
        }
        return promoted;
    }

    private readonly Random _suspectSpread = new();

    private List<RescuedJob> RescueExpired(RescueExpiredLeasesParams parameters)
    {
        var now = parameters.Now;
        var limit = parameters.Limit;
        var rescued = new List<RescuedJob>();
        var nowTicks = now.UtcTicks;
        while (rescued.Count < limit)
        {
            if (!_leases.TryPeek(out var job, out var lease) || lease.Ticks >= nowTicks) break;
            var id = job.Id;
            var node = job.Node;
            var wasFinal = Begin(job);
            job.Errors.Add(JobError.LeaseExpired(job.Attempt, now, node));
            job.State = JobLifecycle.RescuedState(job.Attempt, job.MaxAttempts, job.LostLeases(), parameters);
            if (job.State == JobState.Dead)
            {
                job.FinishedAt = now;
            }
            else
            {
                // One lost lease short of the cap: the last chance runs at a random time, apart from its crashes' company.
                if (job.State == JobState.Retrying) job.RunAt = now + parameters.SuspectSpread * _suspectSpread.NextDouble();
                job.Node = null;
                job.StartedAt = null;
                job.LeaseExpiresAt = null;
                job.Progress = null;
            }
            End(job, wasFinal, now);
            rescued.Add(new RescuedJob(id, node, job.State));
        }
        return rescued;
    }

    private int Prune(PruneJobsParams parameters)
    {
        Span<(JobHeap<TimeKey> Set, long Before)> sources =
        [
            (_succeeded, parameters.SucceededBefore.UtcTicks),
            (_dead, parameters.DeadBefore.UtcTicks),
            (_cancelled, parameters.CancelledBefore.UtcTicks),
        ];
        var pruned = 0;
        // Succeeded jobs past the cut-off whose unique period has not ended by it still hold their key (their retention
        // counts from its end): they are taken out of the index while the oldest are looked for, and put back after.
        List<(MemoryJob Job, TimeKey Finished)>? held = null;
        while (pruned < parameters.Limit)
        {
            // Oldest first across the three states, each against its own cut-off.
            MemoryJob? oldest = null;
            var oldestAt = long.MaxValue;
            foreach (var (set, before) in sources)
            {
                MemoryJob job;
                TimeKey finished;
                while (set.TryPeek(out job, out finished) && finished.Ticks < before && InUniquePeriod(job, parameters.SucceededBefore))
                {
                    set.Remove(job);
                    (held ??= []).Add((job, finished));
                }
                if (!set.TryPeek(out job, out finished)) continue;
                if (finished.Ticks < before && finished.Ticks < oldestAt)
                {
                    oldestAt = finished.Ticks;
                    oldest = job;
                }
            }
            if (oldest is null) break;
            Remove(oldest, oldest.FinishedAt!.Value);
            // A batch goes with its callback: once the callback is pruned nobody reads the batch any more.
            if (_batchOfCallback.Remove(oldest.Id, out var batchId)) _batches.Remove(batchId);
            pruned++;
        }
        if (held is not null)
        {
            foreach (var (job, finished) in held)
                _succeeded.Add(job, finished);
        }
        return pruned;
    }

    private JobPage List(ListJobsParams parameters)
    {
        var start = _byId.Count - 1;
        if (parameters.BeforeId is { } before)
        {
            // The list is in id order: find the last job with an id below the cursor.
            int lo = 0, hi = _byId.Count;
            while (lo < hi)
            {
                var mid = lo + ((hi - lo) / 2);
                if (_byId[mid].Id < before) lo = mid + 1; else hi = mid;
            }
            start = lo - 1;
        }

        var page = new List<JobInfo>(Math.Min(parameters.Limit, 256));
        long? next = null;
        for (var i = start; i >= 0; i--)
        {
            var job = _byId[i];
            if (job.Deleted
                || (parameters.State is { } state && job.State != state)
                || (parameters.Queue is { } queue && job.Queue.Name != queue)
                || (parameters.Kind is { } kind && job.Kind != kind))
            {
                continue;
            }
            if (page.Count == parameters.Limit)
            {
                next = page[^1].Id;
                break;
            }
            page.Add(job.ToInfo());
        }
        return new JobPage(page, next);
    }

    private JobChangeResult Cancel(long id, DateTimeOffset now)
    {
        var job = _jobs.GetValueOrDefault(id);
        if (JobLifecycle.Refuse(JobAction.Cancel, job?.ToInfo()) is { } refused) return refused;
        if (job!.State == JobState.Running) HoldOrderingKeyWhileStopping(job, now);
        var wasFinal = Begin(job);
        job.State = JobState.Cancelled;
        job.FinishedAt = now;
        End(job, wasFinal, now);
        return new JobChangeResult(JobChangeStatus.Done, job.ToInfo());
    }

    private JobChangeResult Retry(long id, DateTimeOffset now)
    {
        var job = _jobs.GetValueOrDefault(id);
        var info = job?.ToInfo();
        if (JobLifecycle.Refuse(JobAction.Retry, info) is { } refused) return refused;
        var facts = JobLifecycle.RetryNeedsFacts(info!) ? RetryFacts(job!, now) : default;
        var decision = JobLifecycle.DecideRetry(info!, facts, now);
        if (decision.Refusal is { } conflict) return conflict;
        var wasFinal = Begin(job!);
        job!.State = decision.State;
        job.RunAt = now;
        job.FinishedAt = null;
        job.Node = null;
        job.StartedAt = null;
        job.LeaseExpiresAt = null;
        job.Progress = null;
        if (job.Attempt >= job.MaxAttempts) job.MaxAttempts = job.Attempt + 1;
        RegisterUniqueKey(job);
        if (decision.State == JobState.Waiting && job.AfterJobId is { } parent) AddDependent(parent, job.Id);
        End(job, wasFinal, now);
        return new JobChangeResult(JobChangeStatus.Done, job.ToInfo());
    }

    /// <summary>What a retry of a final job asks again (see <see cref="Storage.RetryFacts"/>).</summary>
    private RetryFacts RetryFacts(MemoryJob job, DateTimeOffset now)
    {
        long? holder = job.UniqueKey is { } uniqueKey && FindUniqueHolder(uniqueKey, now) is { } h && h.Id != job.Id ? h.Id : null;
        long? running = null;
        if (job.OrderingKey is { } orderingKey && _orderingKeys.TryGetValue(orderingKey, out var ids))
        {
            foreach (var id in ids.GetViewBetween(job.Id + 1, long.MaxValue))
            {
                if (_jobs[id].State != JobState.Running) continue;
                running = id;
                break;
            }
        }
        var parentState = job.AfterJobId is { } parentId ? _jobs.GetValueOrDefault(parentId)?.State : null;
        var openBatch = _batchOfCallback.TryGetValue(job.Id, out var batchId) && _batches.TryGetValue(batchId, out var batch) && batch.Remaining > 0;
        return new RetryFacts(holder, running, parentState, openBatch);
    }

    private JobChangeResult Delete(long id, DateTimeOffset now)
    {
        var job = _jobs.GetValueOrDefault(id);
        if (JobLifecycle.Refuse(JobAction.Delete, job?.ToInfo()) is { } refused) return refused;
        Remove(job!, now);
        return new JobChangeResult(JobChangeStatus.Done, null);
    }
}
