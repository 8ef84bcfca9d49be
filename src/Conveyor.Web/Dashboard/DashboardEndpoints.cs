using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.Web.Dashboard;

/// <summary>
/// Serves the dashboard (plain HTML, CSS and JS embedded in this assembly) under the group's root. Its pages read and
/// act through the same <c>api/</c> endpoints as any client. A strict Content-Security-Policy allows only these files.
/// </summary>
internal static class DashboardEndpoints
{
    private const string ResourcePrefix = "Conveyor.Web.wwwroot.";

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder group)
    {
        var assets = Load();
        group.MapGet("/", (HttpContext context) =>
        {
            // Relative links resolve against the page's URL: /conveyor must become /conveyor/.
            var path = context.Request.PathBase + context.Request.Path;
            if (!path.Value!.EndsWith('/')) return Results.Redirect(path + "/" + context.Request.QueryString);
            return Serve(context, assets["index.html"]);
        }).ExcludeFromDescription();
        group.MapGet("/assets/{name}", (string name, HttpContext context) =>
            assets.TryGetValue(name, out var asset) && name != "index.html" ? Serve(context, asset) : Results.NotFound())
            .ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext context, DashboardAsset asset)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static Dictionary<string, DashboardAsset> Load()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = new DashboardAsset(copy.ToArray(), ContentType(name));
        }
        return assets;
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
