using System.Diagnostics;
using System.Threading.Channels;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// The dispatcher of one queue on one node. It claims only when a worker slot is free, for at most its free slots
/// plus the jobs it expects to start within the prefetch horizon (<see cref="PrefetchEstimate"/>), hands each claimed
/// job to an idle worker through a bounded channel, and sleeps until a slot frees, a notification arrives, or the poll
/// interval passes. While it sleeps for want of jobs, it offers its claim to the enqueues of this process
/// (<see cref="ClaimOffer"/>).
/// </summary>
/// <remarks>
/// Invariants. The claim loop is the only writer of the channel and the only owner of <see cref="_claiming"/> (jobs
/// asked for by the claim in flight, or offered); workers only give jobs back (<see cref="_held"/>, atomic). At any
/// moment <c>0 ≤ _held ≤ Concurrency + prefetch.Max</c> and <c>_held + _claiming ≤ Concurrency + prefetch.Max</c>:
/// the node never holds more jobs than its slots and the largest prefetch. A held job is in the channel or running;
/// the ones beyond the slots are prefetched and not busy.
/// On a node whose queues share a smaller pool (<see cref="SlotPool"/>), <c>Concurrency</c> is the queue's cap and
/// its workers; the claim loop also keeps <c>_held + _claiming ≤ allowance + prefetch</c> when it claims (its fair
/// share, which moves as other queues get or lose work), and a worker runs a job only while it holds a slot of the
/// pool: the node's running jobs never exceed the pool, and a prefetched job waits without one.
/// </remarks>
internal sealed class QueueDispatcher : IDisposable
{
    private readonly JobServerCore _core;
    private readonly IEnqueueClaimer? _enqueueClaimer;
    private readonly Channel<RunningJob> _channel;
    private readonly AsyncSignal _wake = new();
    private readonly AsyncSignal _slotFreed = new();
    private readonly TaskCompletionSource _workersDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _shutdown;
    /// <summary>How long a busy dispatcher waits for more free slots before it claims for fewer than <see cref="_claimTarget"/>.</summary>
    private const int ClaimCoalesceMilliseconds = 1;

    private readonly int _claimTarget;
    private readonly PrefetchEstimate _prefetch;
    private CancellationToken _stopClaiming;
    private int _held;
    private int _claiming;
    private long _claimedWithEnqueues;
    private int _liveWorkers;
    /// <summary>The last claim said the queue's claims are limited (global limit, rate limit, ordered): no prefetch, no rides on enqueues.</summary>
    private volatile bool _limited;
    private readonly List<WorkerSlot> _workers = [];
    private readonly QueueShare? _share;

    /// <param name="core">The node's shared parts.</param>
    /// <param name="queue">The queue.</param>
    /// <param name="concurrency">Its worker slots.</param>
    /// <param name="enqueueClaimer">Where to offer the claim while idle; null to claim only by itself.</param>
    /// <param name="pool">The node's pool when its queues share one smaller than their caps; null when each has its own.</param>
    /// <param name="weight">The queue's weight in the pool.</param>
    public QueueDispatcher(JobServerCore core, string queue, int concurrency, IEnqueueClaimer? enqueueClaimer, SlotPool? pool = null, int weight = 1)
    {
        _core = core;
        _enqueueClaimer = enqueueClaimer;
        Queue = queue;
        Concurrency = concurrency;
        _claimTarget = Math.Max(1, Math.Min(concurrency, core.Options.MaxClaimBatch) / 2);
        _prefetch = new PrefetchEstimate(core.Options.PrefetchHorizon, core.Options.MaxClaimBatch);
        _channel = Channel.CreateBounded<RunningJob>(new BoundedChannelOptions(concurrency + _prefetch.Max) { SingleWriter = true });
        _share = pool?.Add(queue, concurrency, weight, () => Volatile.Read(ref _held));
    }

    public string Queue { get; }

    public int Concurrency { get; }

    /// <summary>Slots running a job (a heartbeat reports this); prefetched jobs waiting for a slot are not busy.</summary>
    public int Busy => _share?.RunningNow ?? Math.Clamp(Volatile.Read(ref _held), 0, Concurrency);

    /// <summary>Jobs held now: in the channel or running (for tests and diagnostics).</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Jobs this dispatcher got through claims carried by enqueues (for tests and diagnostics).</summary>
    public long ClaimedWithEnqueues => Interlocked.Read(ref _claimedWithEnqueues);

    /// <summary>Outcomes were stored: a claim held back by the completion brake may go now.</summary>
    public void CompletionsStored()
    {
        _slotFreed.Set();
        // On a limited queue a finished job may free a cluster-wide slot: claim again rather than at the next poll.
        if (_limited) _wake.Set();
    }

    /// <summary>Work may have arrived: claim now rather than at the next poll.</summary>
    public void Wake() => _wake.Set();

    public async Task RunClaimLoopAsync(CancellationToken stopClaiming)
    {
        var options = _core.Options;
        var moreLikely = true;
        var failures = 0;
        try
        {
            while (!stopClaiming.IsCancellationRequested)
            {
                // No slot free: nothing to claim, however many jobs the prefetch would allow. A shared pool's share also
                // grows when another queue runs out of work; the poll interval bounds the wait for that.
                if (Volatile.Read(ref _held) >= Slots())
                {
                    await _slotFreed.WaitAsync(_share is null ? Timeout.InfiniteTimeSpan : options.PollInterval, stopClaiming).ConfigureAwait(false);
                    continue;
                }
                // While work flows, let a few slots free up so one claim fills several: a store round trip per
                // job would cap a busy node. An idle node claims at once, so latency is not affected.
                if (moreLikely && Room() < _claimTarget)
                {
                    var until = Environment.TickCount64 + ClaimCoalesceMilliseconds;
                    while (Room() < _claimTarget && Environment.TickCount64 < until
                        && await _slotFreed.WaitAsync(TimeSpan.FromMilliseconds(ClaimCoalesceMilliseconds), stopClaiming).ConfigureAwait(false))
                    {
                    }
                }
                if (!moreLikely)
                {
                    var rode = await SleepAsync(stopClaiming).ConfigureAwait(false);
                    if (rode is not null)
                    {
                        // An enqueue carried the claim; one that got all it asked for may have left more jobs behind.
                        moreLikely = rode.Value;
                        continue;
                    }
                }

                // A brake: a slot frees when its handler returns, before the outcome is stored. If the store is
                // slower at completing than at claiming, finished jobs would pile up as "running" in it, so no claim
                // is made while a full completion batch is still waiting to be stored.
                var room = options.CompletionBatchSize - _core.Completer.Pending;
                if (room <= 0)
                {
                    await _slotFreed.WaitAsync(options.PollInterval, stopClaiming).ConfigureAwait(false);
                    continue;
                }
                var want = TakeSlots(Math.Min(options.MaxClaimBatch, room));
                if (want == 0) continue;
                var now = _core.Time.UtcNow();
                var leaseUntil = now + options.LeaseDuration;
                ClaimedJobs jobs;
                try
                {
                    // Not cancellable: once the store leased jobs to us they must reach a worker.
                    jobs = await _core.Store.ClaimAsync(
                        new ClaimJobsParams(_core.NodeName, Queue, _core.Kinds, want, now, leaseUntil) { Affinity = Affinity(now) }, CancellationToken.None).ConfigureAwait(false);
                    failures = 0;
                }
                catch (Exception e)
                {
                    ReturnSlots(want, 0);
                    failures++;
                    // Backs off, but never beyond the poll interval: once the store is back, free slots fill within one poll.
                    var delay = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, failures - 1), Math.Max(100, options.PollInterval.TotalMilliseconds)));
                    _core.Logger.LogWarning(e, "Claiming from queue {Queue} failed ({Failures} in a row); retrying in {Delay}", Queue, failures, delay);
                    await Task.Delay(delay, _core.Time, stopClaiming).ConfigureAwait(false);
                    moreLikely = true;
                    continue;
                }
                moreLikely = jobs.Count == want;
                if (_share is not null) _share.Backlogged = moreLikely;
                _limited = jobs.Limited;
                ReturnSlots(want, jobs.Count);
                HandOut(jobs, now, leaseUntil);
                if (!moreLikely && jobs.NextStartAt is { } next)
                {
                    await WaitForRateWindowAsync(next, stopClaiming).ConfigureAwait(false);
                    moreLikely = true;
                }
            }
        }
        catch (OperationCanceledException) when (stopClaiming.IsCancellationRequested)
        {
            // Stop requested: the workers drain what was claimed.
        }
        finally
        {
            _channel.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Sleeps for want of jobs until a wake-up or the poll interval. Meanwhile the free slots are offered to the
    /// enqueues of this process; returns null when no enqueue took the offer, else whether its claim got all it asked.
    /// </summary>
    private async Task<bool?> SleepAsync(CancellationToken stopClaiming)
    {
        var options = _core.Options;
        // Not while a full completion batch waits (the loop's brake).
        var slots = _enqueueClaimer is null || _limited || _core.Completer.Pending >= options.CompletionBatchSize ? 0 : TakeSlots(options.MaxClaimBatch);
        if (slots == 0)
        {
            await _wake.WaitAsync(options.PollInterval, stopClaiming).ConfigureAwait(false);
            return null;
        }
        var owned = options.AffinityGrace > TimeSpan.Zero ? _core.Cluster?.OwnedIn(Queue) : null;
        var offer = new ClaimOffer(_core.NodeName, Queue, _core.Kinds, slots, options.LeaseDuration, _core.Time, _wake.Set)
        {
            AffinityOwned = owned,
            AffinityGrace = options.AffinityGrace,
        };
        _enqueueClaimer!.Offer(offer);
        var withdrawn = false;
        try
        {
            await _wake.WaitAsync(options.PollInterval, stopClaiming).ConfigureAwait(false);
        }
        finally
        {
            // On a stop too: the slots go back, or the jobs a taken offer leased reach the workers before the channel closes.
            withdrawn = offer.TryWithdraw();
            if (withdrawn) ReturnSlots(slots, 0);
            else await RideAsync(offer, slots).ConfigureAwait(false);
        }
        return withdrawn ? null : offer.Claimed.Result.Count == slots;
    }

    /// <summary>The affinity rule of a claim at <paramref name="now"/>: null when this node owns every key of the queue.</summary>
    private ClaimAffinity? Affinity(DateTimeOffset now) =>
        _core.Options.AffinityGrace > TimeSpan.Zero && _core.Cluster?.OwnedIn(Queue) is { } owned
            ? new ClaimAffinity(owned, now - _core.Options.AffinityGrace)
            : null;

    /// <summary>Waits for the claim an enqueue took from <paramref name="offer"/> and hands its jobs out.</summary>
    private async Task RideAsync(ClaimOffer offer, int slots)
    {
        // Not cancellable: the enqueue's transaction is running the claim, and leased jobs must reach a worker.
        var jobs = await offer.Claimed.ConfigureAwait(false);
        ReturnSlots(slots, jobs.Count);
        Interlocked.Add(ref _claimedWithEnqueues, jobs.Count);
        HandOut(jobs, offer.TakenClaim!.Now, offer.TakenClaim.LeaseExpiresAt);
    }

    /// <summary>How many more jobs the node may hold now: its free slots plus the current prefetch (none on a limited queue; the loop only).</summary>
    private int Room() => Slots() + (_limited ? 0 : _prefetch.Current()) - Volatile.Read(ref _held);

    /// <summary>The jobs this queue may hold for slots: its own slots, or its fair share of a shared pool now.</summary>
    private int Slots() => _share?.Allowance() ?? Concurrency;

    /// <summary>
    /// The queue's rate window is full until <paramref name="next"/>: sleep until then, not woken by enqueues (a claim
    /// before then would take nothing). At most the poll interval, so a loosened limit is seen within it.
    /// </summary>
    private async Task WaitForRateWindowAsync(DateTimeOffset next, CancellationToken stopClaiming)
    {
        var wait = next - _core.Time.UtcNow();
        if (wait <= TimeSpan.Zero) return;
        if (wait > _core.Options.PollInterval) wait = _core.Options.PollInterval;
        await Task.Delay(wait, _core.Time, stopClaiming).ConfigureAwait(false);
    }

    /// <summary>Takes room for up to <paramref name="max"/> jobs for a claim (the loop only); returns how many (0 when there is none).</summary>
    private int TakeSlots(int max)
    {
        var take = Math.Min(Room(), max);
        if (take <= 0) return 0;
        Volatile.Write(ref _claiming, take);
        AssertSlots();
        return take;
    }

    /// <summary>A claim for <paramref name="taken"/> jobs returned <paramref name="used"/>: those are held now, the rest of the room is free again.</summary>
    private void ReturnSlots(int taken, int used)
    {
        if (used > 0) Interlocked.Add(ref _held, used);
        Volatile.Write(ref _claiming, 0);
        AssertSlots();
    }

    [System.Diagnostics.Conditional("DEBUG")]
    private void AssertSlots()
    {
        var held = Volatile.Read(ref _held);
        var claiming = Volatile.Read(ref _claiming);
        var most = Concurrency + _prefetch.Max;
        System.Diagnostics.Debug.Assert(held >= 0 && claiming >= 0 && held + claiming <= most,
            $"slot accounting of queue {Queue}: held {held} + claiming {claiming} within {most}");
    }

    /// <summary>Hands claimed jobs (their slots already taken) to the workers.</summary>
    private void HandOut(IReadOnlyList<ClaimedJob> jobs, DateTimeOffset claimedAt, DateTimeOffset leaseUntil)
    {
        if (jobs.Count == 0) return;
        foreach (var running in _core.Track(jobs, claimedAt, leaseUntil, this))
        {
            if (_core.IsSuspect(running.Job) && !_core.TryHoldSuspect(running))
            {
                PutBackSuspect(running, claimedAt);
                continue;
            }
            if (!_channel.Writer.TryWrite(running))
                throw new InvalidOperationException("a claimed job found no free worker; slot accounting is broken");
        }
    }

    /// <summary>
    /// A second suspect while the node holds one (<see cref="JobServerCore.IsSuspect"/>) goes back unstarted and uncharged,
    /// due one lease duration later: by then this node has run the first, or crashed without taking the second with it.
    /// </summary>
    private void PutBackSuspect(RunningJob running, DateTimeOffset claimedAt)
    {
        var job = running.Job;
        var until = claimedAt + _core.Options.LeaseDuration;
        _core.Logger.LogInformation(
            "Job {JobId} has lost {LostLeases} leases and this node already holds such a job; put back unstarted until {Until:u}",
            job.Id, job.LostLeases, until);
        _core.Completer.Add(new JobCompletion(job.Id, job.Attempt, JobOutcome.Released, RetryAt: until), running);
        FreeSlot();
    }

    /// <summary>Starts the workers; <see cref="WorkersDone"/> completes once every one of them has ended.</summary>
    /// <param name="shutdown">Cancelled after the drain period: running handlers are cancelled.</param>
    /// <param name="stopClaiming">Cancelled when the node stops: jobs not started yet go back.</param>
    public void StartWorkers(CancellationToken shutdown, CancellationToken stopClaiming)
    {
        _shutdown = shutdown;
        _stopClaiming = stopClaiming;
        for (var i = 0; i < Concurrency; i++) StartWorker();
    }

    /// <summary>Completes when the claim loop has closed the channel and every (not abandoned) worker drained it.</summary>
    public Task WorkersDone => _workersDone.Task;

    /// <summary>
    /// The watchdog abandoned the handler of a worker: that worker leaves when (if ever) its handler
    /// returns; a new worker takes its place and the job's slot is free again.
    /// </summary>
    public void ReplaceAbandonedWorker(WorkerSlot? abandoned)
    {
        if (abandoned is not null)
        {
            lock (_workers) _workers.Remove(abandoned);
        }
        StartWorker();
        WorkerEnded();
        if (abandoned?.TryGivePoolSlotBack() == true) _share!.Release();
        FreeSlot();
    }

    /// <summary>The loops of the workers that were not abandoned (tests prove none outlives a stop).</summary>
    public IReadOnlyList<Task> WorkerLoops
    {
        get
        {
            lock (_workers) return [.. _workers.Select(w => w.Loop)];
        }
    }

    private void StartWorker()
    {
        Interlocked.Increment(ref _liveWorkers);
        var slot = new WorkerSlot();
        lock (_workers) _workers.Add(slot);
        slot.Loop = RunWorkerAsync(slot, _shutdown);
    }

    private void WorkerEnded()
    {
        if (Interlocked.Decrement(ref _liveWorkers) == 0) _workersDone.TrySetResult();
    }

    private void FreeSlot()
    {
        Interlocked.Decrement(ref _held);
        _slotFreed.Set();
    }

    private async Task RunWorkerAsync(WorkerSlot slot, CancellationToken shutdown)
    {
        await Task.Yield(); // the caller starts many workers; none runs on its stack
        // Reads until the claim loop completes the channel: every claimed job is run or released.
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var running))
            {
                running.Worker = slot;
                if (_share is not null) await TakePoolSlotAsync(slot).ConfigureAwait(false);
                var started = Stopwatch.GetTimestamp();
                var result = await _core.Executor.ExecuteAsync(running, _stopClaiming, shutdown).ConfigureAwait(false);
                if (result.Abandoned) return; // the watchdog stored the outcome and replaced this worker
                if (running.HandlerStartedAt is not null)
                {
                    var handlerTicks = Stopwatch.GetTimestamp() - started;
                    _prefetch.Finished(handlerTicks);
                    if (_core.Metrics is { } metrics) Report(metrics, running, result.Completion, handlerTicks);
                }
                if (result.Completion is null) _core.Untrack(running);
                else _core.Completer.Add(result.Completion, running);
                if (slot.TryGivePoolSlotBack()) _share!.Release();
                FreeSlot();
            }
        }
        WorkerEnded();
    }

    /// <summary>
    /// Waits for a slot of the shared pool before the job runs. When the node stops first, the job runs without one:
    /// the executor then puts it back unstarted.
    /// </summary>
    private async ValueTask TakePoolSlotAsync(WorkerSlot slot)
    {
        try
        {
            await _share!.AcquireAsync(_stopClaiming).ConfigureAwait(false);
            slot.TookPoolSlot();
        }
        catch (OperationCanceledException) when (_stopClaiming.IsCancellationRequested)
        {
            // Stopping: no slot taken, none to give back.
        }
    }

    /// <summary>Counts the outcome of an attempt that ran (one the node lost or released is not counted).</summary>
    private static void Report(Observability.ConveyorMetrics metrics, RunningJob running, JobCompletion? completion, long handlerTicks)
    {
        if (!metrics.JobInstrumentsEnabled || completion is null || completion.Outcome == JobOutcome.Released
            || running.HandlerStartedAt is not { } start) return;
        var job = running.Job;
        var tags = new TagList { { "queue", job.Queue }, { "kind", job.Kind } };
        switch (completion.Outcome)
        {
            case JobOutcome.Succeeded:
                metrics.Succeeded.Add(1, tags);
                break;
            case JobOutcome.Retry:
                metrics.Failed.Add(1, tags);
                metrics.Retried.Add(1, tags);
                break;
            case JobOutcome.Dead:
                metrics.Failed.Add(1, tags);
                metrics.Dead.Add(1, tags);
                break;
        }
        if (metrics.Duration.Enabled) metrics.Duration.Record(Stopwatch.GetElapsedTime(0, handlerTicks).TotalSeconds, tags);
        if (metrics.QueueWait.Enabled) metrics.QueueWait.Record(Math.Max(0, (start - job.RunAt).TotalSeconds), tags);
    }

    public void Dispose()
    {
        _wake.Dispose();
        _slotFreed.Dispose();
    }
}
