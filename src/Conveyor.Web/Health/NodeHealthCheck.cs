using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Web.Health;

/// <summary>
/// Healthy when this process runs no node, or when its node is in the registry with a heartbeat no older than three
/// heartbeat intervals (a node whose heartbeat stalls loses its leases soon after).
/// </summary>
internal sealed class NodeHealthCheck(JobMonitor monitor, JobServer? server, WorkerOptions? options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (server is null) return HealthCheckResult.Healthy("this process runs no node");
        var nodes = await monitor.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var mine = nodes.FirstOrDefault(n => n.Node.Name == server.NodeName);
        if (mine is null)
            return new HealthCheckResult(context.Registration.FailureStatus, $"node {server.NodeName} is not registered (not started, stopped, or dropped from the registry)");
        var age = time.GetUtcNow() - mine.Node.HeartbeatAt;
        var limit = 3 * (options?.HeartbeatInterval ?? WorkerOptions.DefaultHeartbeatInterval);
        return age <= limit
            ? HealthCheckResult.Healthy($"node {server.NodeName} heartbeat {age.TotalSeconds:0.#} s ago")
            : new HealthCheckResult(context.Registration.FailureStatus, $"node {server.NodeName} last heartbeat {age.TotalSeconds:0} s ago (limit {limit.TotalSeconds:0} s)");
    }
}
