using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Maintenance;

/// <summary>Removes from the registry the nodes no longer live: silent for longer than their lease (a node killed without a stop).</summary>
internal sealed class ForgetSilentNodesChore(JobServerCore core) : ILeaderChore
{
    public string Name => "forget silent nodes";

    public async Task RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var gone = await core.Store.PruneNodesAsync(new PruneNodesParams(now), cancellationToken).ConfigureAwait(false);
        if (gone > 0) core.Logger.LogInformation("Removed {Nodes} silent nodes from the registry", gone);
    }
}
