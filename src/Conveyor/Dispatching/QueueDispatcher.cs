using System.Threading.Channels;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// The dispatcher of one queue on one node. It claims only when a worker slot is free and never more
/// jobs than free slots, hands each claimed job to an idle worker through a bounded channel, and
/// sleeps until a slot frees, a notification arrives, or the poll interval passes. While it sleeps for
/// want of jobs, an enqueue made in this process may carry its claim (<see cref="IClaimRider"/>).
/// </summary>
/// <remarks>
/// Slots are taken before a claim is sent and the unused ones given back when it returns, so the claim loop
/// and claims riding on enqueues never hold more jobs than there are slots between them.
/// </remarks>
internal sealed class QueueDispatcher : IClaimRider, IDisposable
{
    private readonly JobServerCore _core;
    private readonly Channel<RunningJob> _channel;
    private readonly AsyncSignal _wake = new();
    private readonly AsyncSignal _slotFreed = new();
    private readonly TaskCompletionSource _workersDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _shutdown;
    /// <summary>How long a busy dispatcher waits for more free slots before it claims for fewer than <see cref="_claimTarget"/>.</summary>
    private const int ClaimCoalesceMilliseconds = 1;

    private readonly int _claimTarget;
    private int _free;
    // Slots taken for claims in flight (the loop's and those riding on enqueues): not free, but not running a job either.
    private int _reserved;
    // True while the claim loop sleeps because its last claim found fewer jobs than it wanted.
    private volatile bool _idle;
    private readonly Lock _ridesGate = new();
    private int _ridesInFlight;
    private bool _channelClosing;
    private long _claimedWithEnqueues;
    // Set when a claim carried by an enqueue got all it asked for: more jobs may be waiting, so the loop claims
    // again when slots free instead of sleeping (the enqueue's wake-up was spent while the slots were taken).
    private int _rideFilled;
    private int _liveWorkers;
    private readonly List<WorkerSlot> _workers = [];

    public QueueDispatcher(JobServerCore core, string queue, int concurrency)
    {
        _core = core;
        Queue = queue;
        Concurrency = concurrency;
        _free = concurrency;
        _claimTarget = Math.Max(1, Math.Min(concurrency, core.Options.MaxClaimBatch) / 2);
        // Two writers: the claim loop, and the enqueues that carry this dispatcher's claims.
        _channel = Channel.CreateBounded<RunningJob>(new BoundedChannelOptions(concurrency) { SingleWriter = false });
    }

    public string Queue { get; }

    public int Concurrency { get; }

    /// <summary>Slots running a job: neither free nor reserved for a claim in flight (a heartbeat reports this).</summary>
    public int Busy => Math.Max(0, Concurrency - Volatile.Read(ref _free) - Volatile.Read(ref _reserved));

    /// <summary>Jobs this dispatcher got through claims carried by enqueues (for tests and diagnostics).</summary>
    public long ClaimedWithEnqueues => Interlocked.Read(ref _claimedWithEnqueues);

    /// <summary>Outcomes were stored: a claim held back by the completion brake may go now.</summary>
    public void CompletionsStored() => _slotFreed.Set();

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
                var free = Volatile.Read(ref _free);
                if (free <= 0)
                {
                    await _slotFreed.WaitAsync(Timeout.InfiniteTimeSpan, stopClaiming).ConfigureAwait(false);
                    continue;
                }
                // While work flows, let a few slots free up so one claim fills several: a store round trip per
                // job would cap a busy node. An idle node claims at once, so latency is not affected.
                if (moreLikely && free < _claimTarget)
                {
                    var until = Environment.TickCount64 + ClaimCoalesceMilliseconds;
                    while (Volatile.Read(ref _free) < _claimTarget && Environment.TickCount64 < until
                        && await _slotFreed.WaitAsync(TimeSpan.FromMilliseconds(ClaimCoalesceMilliseconds), stopClaiming).ConfigureAwait(false))
                    {
                    }
                }
                if (!moreLikely && Interlocked.Exchange(ref _rideFilled, 0) == 0)
                {
                    _idle = true;
                    try
                    {
                        await _wake.WaitAsync(options.PollInterval, stopClaiming).ConfigureAwait(false);
                    }
                    finally
                    {
                        _idle = false;
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
                if (want == 0) continue; // an enqueue's claim took them meanwhile
                Interlocked.Add(ref _reserved, want);
                var now = _core.Time.UtcNow();
                var leaseUntil = now + options.LeaseDuration;
                IReadOnlyList<ClaimedJob> jobs;
                try
                {
                    // Not cancellable: once the store leased jobs to us they must reach a worker.
                    jobs = await _core.Store.ClaimAsync(
                        new ClaimJobsParams(_core.NodeName, Queue, _core.Kinds, want, now, leaseUntil), CancellationToken.None).ConfigureAwait(false);
                    failures = 0;
                }
                catch (Exception e)
                {
                    Interlocked.Add(ref _reserved, -want);
                    Interlocked.Add(ref _free, want);
                    failures++;
                    var delay = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, failures - 1), 5000));
                    _core.Logger.LogWarning(e, "Claiming from queue {Queue} failed ({Failures} in a row); retrying in {Delay}", Queue, failures, delay);
                    await Task.Delay(delay, _core.Time, stopClaiming).ConfigureAwait(false);
                    moreLikely = true;
                    continue;
                }
                moreLikely = jobs.Count == want;
                Interlocked.Add(ref _reserved, -want);
                if (jobs.Count < want) Interlocked.Add(ref _free, want - jobs.Count);
                HandOut(jobs, leaseUntil);
            }
        }
        catch (OperationCanceledException) when (stopClaiming.IsCancellationRequested)
        {
            // Stop requested: the workers drain what was claimed.
        }
        finally
        {
            // Claims riding on enqueues now may still deliver jobs: the last of them closes the channel.
            lock (_ridesGate)
            {
                _channelClosing = true;
                if (_ridesInFlight == 0) _channel.Writer.TryComplete();
            }
        }
    }

    /// <summary>Takes up to <paramref name="max"/> free slots at once; returns how many (0 when none is free).</summary>
    private int TakeSlots(int max)
    {
        while (true)
        {
            var free = Volatile.Read(ref _free);
            var take = Math.Min(free, max);
            if (take <= 0) return 0;
            if (Interlocked.CompareExchange(ref _free, free - take, free) == free) return take;
        }
    }

    /// <summary>Hands claimed jobs (their slots already taken) to the workers.</summary>
    private void HandOut(IReadOnlyList<ClaimedJob> jobs, DateTimeOffset leaseUntil)
    {
        if (jobs.Count == 0) return;
        foreach (var running in _core.Track(jobs, leaseUntil, this))
        {
            if (!_channel.Writer.TryWrite(running))
                throw new InvalidOperationException("a claimed job found no free worker; slot accounting is broken");
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Only while the claim loop sleeps for want of jobs: a busy loop claims on its own, and a claim carried by an
    /// enqueue makes that enqueue wait for it. Not while a full completion batch waits (the loop's brake).
    /// </remarks>
    public ClaimJobsParams? TryReserve()
    {
        var options = _core.Options;
        if (!_idle || _core.Completer.Pending >= options.CompletionBatchSize) return null;
        int slots;
        lock (_ridesGate)
        {
            if (_channelClosing) return null;
            slots = TakeSlots(options.MaxClaimBatch);
            if (slots == 0) return null;
            Interlocked.Add(ref _reserved, slots);
            _ridesInFlight++;
        }
        var now = _core.Time.UtcNow();
        return new ClaimJobsParams(_core.NodeName, Queue, _core.Kinds, slots, now, now + options.LeaseDuration);
    }

    /// <inheritdoc />
    public void Claimed(ClaimJobsParams reservation, IReadOnlyList<ClaimedJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(jobs);
        try
        {
            Interlocked.Add(ref _reserved, -reservation.Limit);
            if (jobs.Count < reservation.Limit) Interlocked.Add(ref _free, reservation.Limit - jobs.Count);
            else Volatile.Write(ref _rideFilled, 1);
            Interlocked.Add(ref _claimedWithEnqueues, jobs.Count);
            HandOut(jobs, reservation.LeaseExpiresAt);
        }
        catch (Exception e)
        {
            _core.Logger.LogError(e, "Jobs claimed with an enqueue in queue {Queue} could not be handed to workers; their leases will run out", Queue);
            throw;
        }
        finally
        {
            EndRide();
        }
    }

    /// <inheritdoc />
    public void Released(ClaimJobsParams reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        Interlocked.Add(ref _reserved, -reservation.Limit);
        Interlocked.Add(ref _free, reservation.Limit);
        EndRide();
    }

    private void EndRide()
    {
        lock (_ridesGate)
        {
            _ridesInFlight--;
            if (_channelClosing && _ridesInFlight == 0) _channel.Writer.TryComplete();
        }
        _slotFreed.Set();
    }

    /// <summary>Starts the workers; <see cref="WorkersDone"/> completes once every one of them has ended.</summary>
    public void StartWorkers(CancellationToken shutdown)
    {
        _shutdown = shutdown;
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
        Interlocked.Increment(ref _free);
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
                var result = await _core.Executor.ExecuteAsync(running, shutdown).ConfigureAwait(false);
                if (result.Abandoned) return; // the watchdog stored the outcome and replaced this worker
                if (result.Completion is null) _core.Untrack(running);
                else _core.Completer.Add(result.Completion, running);
                FreeSlot();
            }
        }
        WorkerEnded();
    }

    public void Dispose()
    {
        _wake.Dispose();
        _slotFreed.Dispose();
    }
}
