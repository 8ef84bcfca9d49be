using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// Enforces time on running handlers for the whole node with one loop instead of a timer per job:
/// cancels the token of a handler past its timeout, and abandons a handler that has not returned
/// <see cref="WorkerOptions.CancelGrace"/> after its token was cancelled (timeout, shutdown or a lost
/// lease). Abandoning stores the attempt's outcome, frees the slot and gives the dispatcher a new
/// worker, so a handler that ignores its token (even one that blocks its thread) never holds the node.
/// </summary>
internal sealed class Watchdog(JobServerCore core, AbandonedHandlers abandoned)
{
    /// <summary>How often running handlers are checked: the resolution of timeouts and of the grace period.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(50);

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(CheckInterval, core.Time, stop).ConfigureAwait(false);
                Check();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Node stopped: every worker has ended.
        }
    }

    public void Check()
    {
        var now = core.Time.GetUtcNow();
        var graceTicks = core.Options.CancelGrace.Ticks;
        foreach (var running in core.Leased)
        {
            if (!running.IsRunningHandler) continue;
            if (running.Reason == CancelReason.None)
            {
                if (now.UtcTicks >= running.DeadlineTicks) running.Cancel(CancelReason.Timeout, now);
                continue;
            }
            if (now.UtcTicks - running.CancelledAtTicks >= graceTicks && running.TryAbandon()) Abandon(running);
        }
    }

    private void Abandon(RunningJob running)
    {
        var job = running.Job;
        core.Logger.LogWarning("Job {JobId} ({Kind}) ignored its cancellation for {Grace}; its handler was abandoned", job.Id, job.Kind, core.Options.CancelGrace);
        if (running.Worker is { } worker) abandoned.Add(job, worker.Loop);
        var completion = core.Executor.Classify(running, exception: null, abandoned: true);
        if (completion is null) core.Untrack(running);
        else core.Completer.Add(completion, running);
        running.Dispatcher.ReplaceAbandonedWorker(running.Worker);
    }
}
