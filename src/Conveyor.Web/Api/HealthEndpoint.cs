using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.Web.Api;

/// <summary><c>/healthz</c>: 200 when the store answers within a few seconds, 503 otherwise. Open without a key (it shows no data).</summary>
internal static class HealthEndpoint
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/healthz", async (JobMonitor monitor, CancellationToken ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(StoreTimeout);
            try
            {
                await monitor.ListQueuesAsync(timeout.Token).ConfigureAwait(false);
                return Results.Text("ok\n", "text/plain");
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                return Results.Text($"store {monitor.StoreName} does not answer: {e.Message}\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).ExcludeFromDescription();
    }
}
