using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Web.Api;

/// <summary>
/// <c>/healthz</c>: 200 when the store answers within a few seconds, 503 otherwise. The body is <c>ok</c>, or
/// <c>degraded: …</c> while the store's notifications are down (jobs then start at the next poll). Open without a key.
/// </summary>
internal static class HealthEndpoint
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/healthz", async (JobMonitor monitor, IServiceProvider services, CancellationToken ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(StoreTimeout);
            try
            {
                await monitor.ListQueuesAsync(timeout.Token).ConfigureAwait(false);
                // Still 200: jobs run, only later. The body says what is degraded.
                if (services.GetService<Storage.IJobStore>()?.Notifier is Storage.IJobNotifierHealth { Degradation: { } degradation })
                    return Results.Text($"degraded: {degradation}\n", "text/plain");
                return Results.Text("ok\n", "text/plain");
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                return Results.Text($"store {monitor.StoreName} does not answer: {e.Message}\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).ExcludeFromDescription();
    }
}
