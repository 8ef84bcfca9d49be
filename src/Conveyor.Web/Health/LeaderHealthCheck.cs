using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Web.Health;

/// <summary>Healthy when a live node holds the leadership (scheduled jobs are promoted, lost leases rescued).</summary>
internal sealed class LeaderHealthCheck(JobMonitor monitor) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var nodes = await monitor.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var leader = nodes.FirstOrDefault(n => n.Leader);
        return leader is not null
            ? HealthCheckResult.Healthy($"node {leader.Node.Name} leads")
            : new HealthCheckResult(context.Registration.FailureStatus,
                nodes.Count == 0 ? "no live node: nothing runs jobs or promotes scheduled ones" : "no node holds the leadership right now");
    }
}
