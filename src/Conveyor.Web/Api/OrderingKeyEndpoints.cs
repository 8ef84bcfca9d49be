using Conveyor.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.Web.Api;

/// <summary><c>/api/ordering-keys/{key}</c>: which job holds an ordering key and which wait behind it.</summary>
internal static class OrderingKeyEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/ordering-keys/{key}", async (string key, HttpContext context, JobMonitor monitor, CancellationToken ct) =>
            {
                var status = await monitor.GetOrderingKeyAsync(KeyOf(context, key), cancellationToken: ct).ConfigureAwait(false);
                return new ApiJsonResult(StatusCodes.Status200OK, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("key", status.Key);
                    w.WritePropertyName("holder");
                    if (status.Holder is { } holder) ApiJson.WriteJob(w, holder);
                    else w.WriteNullValue();
                    w.WriteStartArray("waiting");
                    foreach (var job in status.Waiting) ApiJson.WriteJob(w, job);
                    w.WriteEndArray();
                    w.WriteBoolean("more", status.More);
                    w.WriteEndObject();
                });
            })
            .WithTags("Jobs")
            .WithSummary("An ordering key: the job that holds it (running, else the next to run) and the jobs waiting behind it, in order")
            .Produces<Schema.OrderingKey>().Produces<Schema.ErrorBody>(StatusCodes.Status400BadRequest);
    }

    /// <summary>
    /// The key as the client encoded it in the last segment of the path. Route values keep <c>%2F</c> encoded (and decode
    /// the rest), which would make a key with a '/' (<c>tenant/42</c>) ambiguous; the raw target is exact.
    /// </summary>
    private static string KeyOf(HttpContext context, string routeValue)
    {
        if (context.Features.Get<IHttpRequestFeature>()?.RawTarget is not { Length: > 0 } raw) return routeValue;
        var path = raw.Split('?', 2)[0];
        return Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
    }
}
