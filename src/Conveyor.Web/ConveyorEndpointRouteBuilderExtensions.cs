using Conveyor.Validation;
using Conveyor.Web.Api;
using Conveyor.Web.Dashboard;
using Conveyor.Web.Metrics;
using Conveyor.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Web;

/// <summary>Mounts Conveyor's dashboard, HTTP API and health endpoint in an ASP.NET Core app.</summary>
public static class ConveyorEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps, under <paramref name="prefix"/>: the dashboard at <c>/</c>, the HTTP API at <c>/api/…</c> (its OpenAPI
    /// document at <c>/api/openapi.json</c>), <c>/metrics</c> (Prometheus text format) and <c>/healthz</c>. Needs <c>services.AddConveyor(…)</c> and
    /// <c>services.AddConveyorWeb(…)</c>. Use <c>""</c> to mount at the root, as <c>conveyor serve</c> does.
    /// Returns the group, for the app's own conventions (authorization policies, rate limits, …).
    /// </summary>
    public static RouteGroupBuilder MapConveyor(this IEndpointRouteBuilder endpoints, string prefix = "/conveyor")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var services = endpoints.ServiceProvider;
        var web = services.GetService<ConveyorWebOptions>()
            ?? throw new InvalidOperationException("Conveyor's web part is not registered: call services.AddConveyorWeb() before app.MapConveyor(…)");
        if (services.GetService<JobClient>() is null)
            throw new InvalidOperationException("Conveyor is not registered: call services.AddConveyor(o => …) before app.MapConveyor(…)");
        var trimmed = prefix.TrimEnd('/');
        if (trimmed.Length > 0 && !trimmed.StartsWith('/'))
            throw new ArgumentException($"the prefix must start with '/' (got '{prefix}')", nameof(prefix));

        var group = endpoints.MapGroup(trimmed);
        DashboardEndpoints.Map(group);
        HealthEndpoint.Map(group);
        var keys = new ApiKeyCheck(web.ApiKey);
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Conveyor.Web");
        PrometheusEndpoint.Map(group, keys);

        var api = group.MapGroup("/api").WithGroupName(ConveyorOpenApi.GroupName);
        api.AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            if (CrossSiteCheck.Refusal(request) is { } refusal)
                return ApiJsonResult.Error(StatusCodes.Status403Forbidden, refusal);
            if (!keys.Allows(request))
            {
                context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
                return ApiJsonResult.Error(StatusCodes.Status401Unauthorized, "this API needs its key: send Authorization: Bearer KEY");
            }
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (JobValidationException e)
            {
                return ApiJsonResult.Error(StatusCodes.Status400BadRequest, e.Reason, e.Field);
            }
            catch (QueueBacklogFullException e)
            {
                // Back-pressure, not bad input: the same request may succeed once the queue drains.
                return ApiJsonResult.Error(StatusCodes.Status429TooManyRequests, e.Message, "queue");
            }
            catch (ApiProblemException e)
            {
                return ApiJsonResult.Error(e.StatusCode, e.Message, e.Field);
            }
            catch (Exception e) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                // The store failed (or a bug): the client gets the API's error shape, the log gets the details.
                logger.LogError(e, "{Method} {Path} failed", request.Method, request.Path);
                return ApiJsonResult.Error(StatusCodes.Status500InternalServerError, "the request failed on the server; its log has the details");
            }
        });
        JobEndpoints.Map(api, web);
        ClusterEndpoints.Map(api);
        OrderingKeyEndpoints.Map(api);
        CronEndpoints.Map(api);
        BatchEndpoints.Map(api);
        // The route's {documentName} is the document's name, so /api/openapi.json is Conveyor's document; the filter
        // keeps the host app's other documents from showing under this path (no regex constraint: slim hosts lack it).
        api.MapOpenApi("/{documentName}.json").ExcludeFromDescription().AddEndpointFilter(async (context, next) =>
            context.HttpContext.GetRouteValue("documentName") as string == ConveyorOpenApi.Name
                ? await next(context).ConfigureAwait(false)
                : Results.NotFound());
        return group;
    }
}
