using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Maintenance;

/// <summary>
/// Every node tries to lead at each maintenance tick; the one the store elects promotes due jobs,
/// rescues expired leases, prunes old jobs and forgets dead nodes. Chores are idempotent, so a brief
/// overlap of two leaders during a hand-over does no harm.
/// </summary>
internal sealed class LeaderChores(JobServerCore core)
{
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    public bool IsLeader { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await TickAsync(stop).ConfigureAwait(false);
                await Task.Delay(core.Options.MaintenanceInterval, core.Time, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Node stopping.
        }
        if (IsLeader)
        {
            try
            {
                await core.Store.LeaderElector.ReleaseAsync(new LeaderReleaseParams(core.NodeName), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                core.Logger.LogWarning(e, "Could not give up the leadership; it passes on when its lease runs out");
            }
            IsLeader = false;
        }
    }

    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var options = core.Options;
        try
        {
            var now = core.Time.UtcNow();
            var leader = await core.Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(core.NodeName, now, options.LeaderLeaseDuration), cancellationToken).ConfigureAwait(false);
            if (leader != IsLeader)
            {
                core.Logger.LogInformation(leader ? "Node {Node} is now the leader" : "Node {Node} is no longer the leader", core.NodeName);
                IsLeader = leader;
            }
            if (!leader) return;

            await core.Store.PromoteDueJobsAsync(new PromoteDueJobsParams(now), cancellationToken).ConfigureAwait(false);
            var rescued = await core.Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(now), cancellationToken).ConfigureAwait(false);
            foreach (var job in rescued)
                core.Logger.LogWarning("Rescued job {JobId}: lease of node {Node} expired; now {State}", job.Id, job.Node, job.State.ToWireName());

            var gone = await core.Store.PruneNodesAsync(new PruneNodesParams(now - options.NodeGracePeriod), cancellationToken).ConfigureAwait(false);
            if (gone > 0) core.Logger.LogInformation("Removed {Nodes} silent nodes from the registry", gone);

            if (now - _lastPrune >= options.Retention.PruneInterval)
            {
                _lastPrune = now;
                var r = options.Retention;
                var pruned = await core.Store.PruneJobsAsync(new PruneJobsParams(now - r.Succeeded, now - r.Dead, now - r.Cancelled), cancellationToken).ConfigureAwait(false);
                if (pruned > 0) core.Logger.LogInformation("Pruned {Jobs} finished jobs", pruned);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            core.Logger.LogWarning(e, "Maintenance tick failed; trying again at the next one");
        }
    }
}
