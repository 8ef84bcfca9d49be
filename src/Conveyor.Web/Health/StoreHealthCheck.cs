using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Web.Health;

/// <summary>Healthy when the store answers a cheap query (its queues).</summary>
internal sealed class StoreHealthCheck(JobMonitor monitor) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var queues = await monitor.ListQueuesAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"store {monitor.StoreName} answers ({queues.Count} queue(s))");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"store {monitor.StoreName} does not answer: {e.Message}", e);
        }
    }
}
