using System.Threading.Channels;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// The dispatcher of one queue on one node. It claims only when a worker slot is free and never more
/// jobs than free slots, hands each claimed job to an idle worker through a bounded channel, and
/// sleeps until a slot frees, a notification arrives, or the poll interval passes.
/// </summary>
internal sealed class QueueDispatcher : IDisposable
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
    private int _liveWorkers;
    private readonly List<WorkerSlot> _workers = [];

    public QueueDispatcher(JobServerCore core, string queue, int concurrency)
    {
        _core = core;
        Queue = queue;
        Concurrency = concurrency;
        _free = concurrency;
        _claimTarget = Math.Max(1, Math.Min(concurrency, core.Options.MaxClaimBatch) / 2);
        _channel = Channel.CreateBounded<RunningJob>(new BoundedChannelOptions(concurrency) { SingleWriter = true });
    }

    public string Queue { get; }

    public int Concurrency { get; }

    public int Busy => Concurrency - Volatile.Read(ref _free);

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
                if (!moreLikely) await _wake.WaitAsync(options.PollInterval, stopClaiming).ConfigureAwait(false);

                // A brake: a slot frees when its handler returns, before the outcome is stored. If the store is
                // slower at completing than at claiming, finished jobs would pile up as "running" in it, so no claim
                // is made while a full completion batch is still waiting to be stored.
                var room = options.CompletionBatchSize - _core.Completer.Pending;
                if (room <= 0)
                {
                    await _slotFreed.WaitAsync(options.PollInterval, stopClaiming).ConfigureAwait(false);
                    continue;
                }
                var want = Math.Min(Math.Min(Volatile.Read(ref _free), options.MaxClaimBatch), room);
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
                    failures++;
                    var delay = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, failures - 1), 5000));
                    _core.Logger.LogWarning(e, "Claiming from queue {Queue} failed ({Failures} in a row); retrying in {Delay}", Queue, failures, delay);
                    await Task.Delay(delay, _core.Time, stopClaiming).ConfigureAwait(false);
                    moreLikely = true;
                    continue;
                }
                moreLikely = jobs.Count == want;
                if (jobs.Count == 0) continue;
                Interlocked.Add(ref _free, -jobs.Count);
                foreach (var running in _core.Track(jobs, leaseUntil, this))
                {
                    if (!_channel.Writer.TryWrite(running))
                        throw new InvalidOperationException("a claimed job found no free worker; slot accounting is broken");
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
