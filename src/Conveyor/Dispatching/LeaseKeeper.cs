using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// The node's heartbeat: one store call extends the leases of every job the node holds, and the
/// registry row is refreshed with busy slots. Jobs the store says are no longer ours (cancelled,
/// rescued, deleted) get their tokens cancelled. Then the registry is read back into the node's <see cref="ClusterView"/>. If the store cannot be reached, a job whose lease has
/// surely run out is cancelled here too, because another node may already be running it.
/// </summary>
internal sealed class LeaseKeeper(JobServerCore core, Func<NodeInfo> describeNode)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var interval = core.Options.HeartbeatInterval;
        try
        {
            while (true)
            {
                await Task.Delay(interval, core.Time, stop).ConfigureAwait(false);
                await WatchAsync(BeatAsync(stop), interval, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Node stopping.
        }
    }

    /// <summary>
    /// Waits for <paramref name="beat"/>, logging each interval it has not returned: a store that does not answer (a
    /// file whose write lock another program holds, a database that hangs) stalls the whole node, and says so while
    /// it lasts rather than only once it ends.
    /// </summary>
    private async Task WatchAsync(Task beat, TimeSpan interval, CancellationToken stop)
    {
        var waited = TimeSpan.Zero;
        while (!beat.IsCompleted && !stop.IsCancellationRequested)
        {
            await Task.WhenAny(beat, Task.Delay(interval, core.Time, stop)).ConfigureAwait(false);
            if (beat.IsCompleted || stop.IsCancellationRequested) break;
            waited += interval;
            core.Logger.LogWarning("Node {Node} stalled: the store has not answered its heartbeat for {Seconds:0.#} s (busy, locked or unreachable); claims and job outcomes wait too",
                core.NodeName, waited.TotalSeconds);
        }
        await beat.ConfigureAwait(false);
        if (waited > TimeSpan.Zero)
            core.Logger.LogInformation("Node {Node}: the store answered its heartbeat again after more than {Seconds:0.#} s", core.NodeName, waited.TotalSeconds);
    }

    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        var now = core.Time.UtcNow();
        var leaseUntil = now + core.Options.LeaseDuration;
        var held = core.Leased;
        try
        {
            if (held.Length > 0)
            {
                var ids = Array.ConvertAll(held, r => r.Job.Id);
                var lost = await core.Store.ExtendLeasesAsync(new ExtendLeasesParams(core.NodeName, ids, now, leaseUntil), cancellationToken).ConfigureAwait(false);
                var lostSet = lost.Count == 0 ? null : lost.ToHashSet();
                foreach (var running in held)
                {
                    if (lostSet?.Contains(running.Job.Id) == true)
                    {
                        core.Logger.LogInformation("Job {JobId} is no longer held by this node (cancelled, rescued or deleted); cancelling its handler", running.Job.Id);
                        running.MarkLost(core.Time.GetUtcNow());
                    }
                    else
                    {
                        running.LeaseExpiresAt = leaseUntil;
                    }
                }
            }
            await core.Store.UpsertNodeAsync(new UpsertNodeParams(describeNode() with { HeartbeatAt = now, LiveUntil = now + core.Options.LeaseDuration }),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            core.Logger.LogWarning(e, "Heartbeat failed; leases not extended");
            foreach (var running in held)
            {
                if (running.LeaseExpiresAt <= now && !running.IsLost)
                {
                    core.Logger.LogWarning("Lease of job {JobId} ran out without renewal; cancelling its handler", running.Job.Id);
                    running.MarkLost(core.Time.GetUtcNow());
                }
            }
            return;
        }
        // The registry as it is now: who else serves our queues (key affinity), and whether we were asked to stop. When
        // it cannot be read, the last view stands until the next heartbeat.
        if (core.Cluster is not { } cluster) return;
        try
        {
            cluster.Update(await core.Store.ListNodesAsync(new ListNodesParams(LiveAt: now), cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            core.Logger.LogWarning(e, "Reading the node registry failed; key affinity keeps its last view");
        }
    }
}
