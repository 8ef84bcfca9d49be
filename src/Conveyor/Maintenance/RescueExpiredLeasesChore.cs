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
        var rescued = await core.Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(now, MaxLostLeases: core.Options.MaxLostLeases), cancellationToken).ConfigureAwait(false);
        foreach (var job in rescued)
            core.Logger.LogWarning("Rescued job {JobId}: lease of node {Node} expired; now {State}", job.Id, job.Node, job.State.ToWireName());
    }
}
