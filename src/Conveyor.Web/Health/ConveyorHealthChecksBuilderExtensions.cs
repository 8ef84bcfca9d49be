using Conveyor.Web.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Web;

/// <summary>Conveyor's checks for ASP.NET Core health checks (<c>services.AddHealthChecks().AddConveyorHealthChecks()</c>).</summary>
public static class ConveyorHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds three checks: <c>conveyor-store</c> (the store answers within <paramref name="timeout"/>, default 5 s;
    /// unhealthy otherwise), <c>conveyor-node</c> (the node this process runs, if any, is registered and heartbeating;
    /// unhealthy otherwise) and <c>conveyor-leader</c> (some live node holds the leadership; degraded otherwise, as
    /// during an election or when no node runs).
    /// </summary>
    public static IHealthChecksBuilder AddConveyorHealthChecks(this IHealthChecksBuilder builder, TimeSpan? timeout = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var limit = timeout ?? TimeSpan.FromSeconds(5);
        var tagList = tags?.ToArray() ?? ["conveyor"];
        builder.Add(new HealthCheckRegistration("conveyor-store",
            sp => new StoreHealthCheck(sp.GetRequiredService<JobMonitor>()), HealthStatus.Unhealthy, tagList, limit));
        builder.Add(new HealthCheckRegistration("conveyor-node",
            sp => new NodeHealthCheck(sp.GetRequiredService<JobMonitor>(), sp.GetService<JobServer>(), sp.GetService<WorkerOptions>(), sp.GetService<TimeProvider>() ?? TimeProvider.System),
            HealthStatus.Unhealthy, tagList, limit));
        builder.Add(new HealthCheckRegistration("conveyor-leader",
            sp => new LeaderHealthCheck(sp.GetRequiredService<JobMonitor>()), HealthStatus.Degraded, tagList, limit));
        return builder;
    }
}
