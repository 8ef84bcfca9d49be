using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Maintenance;

/// <summary>Cancels the unfinished children of batches whose deadline has passed; their callbacks then run once.</summary>
internal sealed class CancelOverdueBatchesChore(JobServerCore core) : ILeaderChore
{
    public string Name => "cancel overdue batches";

    public async Task RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (core.Store.Batches is not { } batches) return;
        var overdue = await batches.ListOverdueBatchesAsync(new ListOverdueBatchesParams(now), cancellationToken).ConfigureAwait(false);
        foreach (var id in overdue)
        {
            var batch = await batches.GetBatchAsync(new GetBatchParams(id), cancellationToken).ConfigureAwait(false);
            if (batch?.Deadline is not { } deadline) continue;
            var result = await batches.CancelBatchAsync(new CancelBatchParams(id, now, JobLifecycle.BatchDeadlineReason(deadline)), cancellationToken).ConfigureAwait(false);
            if (result.Status == JobChangeStatus.Done)
                core.Logger.LogWarning("Batch {BatchId} passed its deadline {Deadline}: its unfinished children were cancelled", id, deadline);
        }
    }
}
