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
    private int _free;

    public QueueDispatcher(JobServerCore core, string queue, int concurrency)
    {
        _core = core;
        Queue = queue;
        Concurrency = concurrency;
        _free = concurrency;
        _channel = Channel.CreateBounded<RunningJob>(new BoundedChannelOptions(concurrency) { SingleWriter = true });
    }

    public string Queue { get; }

    public int Concurrency { get; }

    public int Busy => Concurrency - Volatile.Read(ref _free);

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
                if (Volatile.Read(ref _free) <= 0)
                {
                    await _slotFreed.WaitAsync(Timeout.InfiniteTimeSpan, stopClaiming).ConfigureAwait(false);
                    continue;
                }
                if (!moreLikely) await _wake.WaitAsync(options.PollInterval, stopClaiming).ConfigureAwait(false);

                var want = Math.Min(Volatile.Read(ref _free), options.MaxClaimBatch);
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
                foreach (var job in jobs)
                {
                    Interlocked.Decrement(ref _free);
                    var running = _core.Track(job, leaseUntil);
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

    public async Task RunWorkerAsync(CancellationToken shutdown)
    {
        // Reads until the claim loop completes the channel: every claimed job is run or released.
        await foreach (var running in _channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            var completion = await _core.Executor.ExecuteAsync(running, shutdown).ConfigureAwait(false);
            if (completion is null) _core.Untrack(running);
            else _core.Completer.Add(completion, running);
            Interlocked.Increment(ref _free);
            _slotFreed.Set();
        }
    }

    public void Dispose()
    {
        _wake.Dispose();
        _slotFreed.Dispose();
    }
}
