using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Maintenance;

/// <summary>Deletes finished jobs past their retention, every <see cref="RetentionOptions.PruneInterval"/>.</summary>
internal sealed class PruneFinishedJobsChore(JobServerCore core) : ILeaderChore
{
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    public string Name => "prune finished jobs";

    public async Task RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var retention = core.Options.Retention;
        if (now - _lastPrune < retention.PruneInterval) return;
        _lastPrune = now;
        var pruned = await core.Store.PruneJobsAsync(
            new PruneJobsParams(now - retention.Succeeded, now - retention.Dead, now - retention.Cancelled), cancellationToken).ConfigureAwait(false);
        if (pruned > 0) core.Logger.LogInformation("Pruned {Jobs} finished jobs", pruned);
    }
}
