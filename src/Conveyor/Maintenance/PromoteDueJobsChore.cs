using Conveyor.Dispatching;
using Conveyor.Storage;

namespace Conveyor.Maintenance;

/// <summary>Makes due <c>scheduled</c> and <c>retrying</c> jobs <c>available</c>.</summary>
internal sealed class PromoteDueJobsChore(JobServerCore core) : ILeaderChore
{
    public string Name => "promote due jobs";

    public Task RunAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        core.Store.PromoteDueJobsAsync(new PromoteDueJobsParams(now), cancellationToken);
}
