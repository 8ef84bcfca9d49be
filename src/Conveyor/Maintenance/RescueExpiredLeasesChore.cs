using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Maintenance;

/// <summary>Puts back (or buries) the running jobs whose node stopped renewing their leases.</summary>
internal sealed class RescueExpiredLeasesChore(JobServerCore core) : ILeaderChore
{
    public string Name => "rescue expired leases";

    public async Task RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rescue = new RescueExpiredLeasesParams(now, MaxLostLeases: core.Options.MaxLostLeases, SuspectSpread: SuspectSpread(core.Options));
        var rescued = await core.Store.RescueExpiredLeasesAsync(rescue, cancellationToken).ConfigureAwait(false);
        foreach (var job in rescued)
            core.Logger.LogWarning("Rescued job {JobId}: lease of node {Node} expired; now {State}", job.Id, job.Node, job.State.ToWireName());
    }

    /// <summary>
    /// A job one crash short of the cap runs its last chance at a random time within this spread: the jobs that shared
    /// its crashes were put back beside it and would otherwise be claimed with it, and buried with it, once more. Due
    /// jobs are promoted once per maintenance interval, so the spread is 30 of them (at least a lease): 30 s by default.
    /// </summary>
    internal static TimeSpan SuspectSpread(WorkerOptions options)
    {
        var intervals = options.MaintenanceInterval * 30;
        return intervals > options.LeaseDuration ? intervals : options.LeaseDuration;
    }
}
