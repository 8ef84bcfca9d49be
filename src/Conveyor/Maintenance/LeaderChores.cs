using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Maintenance;

/// <summary>
/// Every node tries to lead at each maintenance tick; the one the store elects runs the chores (<see cref="ILeaderChore"/>):
/// by default it promotes due jobs, rescues expired leases, forgets silent nodes, prunes old jobs and fires recurring
/// schedules, then sleeps the maintenance interval, or less when a chore has work due sooner (a cron tick). A leader of a
/// store that reclaims space (<see cref="ISpaceReclaimer"/>) also offers it the chance every
/// <see cref="ReclaimCheckInterval"/>, in a loop of its own so that a long vacuum never delays promotions and rescues.
/// </summary>
internal sealed class LeaderChores(JobServerCore core, IReadOnlyList<ILeaderChore> chores)
{
    /// <summary>The chores every leader runs, in this order each tick.</summary>
    public static IReadOnlyList<ILeaderChore> Standard(JobServerCore core, ConveyorOptions conveyorOptions) =>
        [new PromoteDueJobsChore(core), new RescueExpiredLeasesChore(core), new ForgetSilentNodesChore(core), new PruneFinishedJobsChore(core),
         new FireRecurringJobsChore(core, new Recurring.RecurringJobValidator(conveyorOptions)),
         new CancelOverdueBatchesChore(core)];

    /// <summary>
    /// How often the leader asks the store whether reclaiming is due: a busy node makes ~20,000 dead row versions a
    /// second, so the maintenance tick (a second) would let them overshoot the store's threshold by half.
    /// </summary>
    internal static readonly TimeSpan ReclaimCheckInterval = TimeSpan.FromMilliseconds(250);

    private volatile bool _isLeader;

    public bool IsLeader
    {
        get => _isLeader;
        private set => _isLeader = value;
    }

    public async Task RunAsync(CancellationToken stop)
    {
        var reclaiming = core.Store.SpaceReclaimer is { } reclaimer ? ReclaimLoopAsync(reclaimer, stop) : Task.CompletedTask;
        try
        {
            while (true)
            {
                await TickAsync(stop).ConfigureAwait(false);
                await Task.Delay(UntilNextTick(), core.Time, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Node stopping.
        }
        // Nothing of the leader may run once it gives up the leadership.
        await reclaiming.ConfigureAwait(false);
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

    /// <summary>The maintenance interval, or less when a chore of the leader has work due sooner (a cron tick).</summary>
    internal TimeSpan UntilNextTick()
    {
        var wait = core.Options.MaintenanceInterval;
        if (!IsLeader) return wait;
        var now = core.Time.GetUtcNow();
        foreach (var chore in chores)
        {
            if (chore is IWakingLeaderChore { NextDueAt: { } due } && due - now < wait)
                wait = due > now ? due - now : TimeSpan.Zero;
        }
        return wait;
    }

    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var options = core.Options;
        DateTimeOffset now;
        try
        {
            now = core.Time.UtcNow();
            var leader = await core.Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(core.NodeName, now, options.LeaderLeaseDuration), cancellationToken).ConfigureAwait(false);
            if (leader != IsLeader)
            {
                core.Logger.LogInformation(leader ? "Node {Node} is now the leader" : "Node {Node} is no longer the leader", core.NodeName);
                IsLeader = leader;
            }
            if (!leader) return;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            core.Logger.LogWarning(e, "Maintenance tick failed; trying again at the next one");
            return;
        }
        foreach (var chore in chores)
        {
            try
            {
                await chore.RunAsync(now, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                core.Logger.LogWarning(e, "Leader chore '{Chore}' failed; trying again at the next tick", chore.Name);
            }
        }
    }

    private async Task ReclaimLoopAsync(ISpaceReclaimer reclaimer, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ReclaimCheckInterval, core.Time, stop).ConfigureAwait(false);
                if (!IsLeader) continue;
                try
                {
                    await reclaimer.ReclaimSpaceAsync(new ReclaimSpaceParams(), stop).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    core.Logger.LogWarning(e, "Reclaiming the store's space failed; trying again in {Interval}", core.Options.MaintenanceInterval);
                    await Task.Delay(core.Options.MaintenanceInterval, core.Time, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Node stopping.
        }
    }
}
