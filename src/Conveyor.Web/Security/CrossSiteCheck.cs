using Microsoft.AspNetCore.Http;

namespace Conveyor.Web.Security;

/// <summary>
/// Refuses state-changing requests a browser sends on behalf of another site (a form or script on a page elsewhere
/// posting to the dashboard's API). Browsers mark such requests with <c>Sec-Fetch-Site</c> and <c>Origin</c>;
/// programs (curl, SDKs) send neither and pass. Reads are left alone: they change nothing and the same-origin
/// policy keeps their answers from the other site.
/// </summary>
internal static class CrossSiteCheck
{
    public static bool IsSafeMethod(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    /// <summary>Null when the request may go on, else why it is refused.</summary>
    public static string? Refusal(HttpRequest request)
    {
        if (IsSafeMethod(request.Method)) return null;
        // The browser's own verdict comes first: behind a proxy that ends TLS the server sees http while the page's
        // origin is https, so comparing the Origin with this request's scheme would refuse the dashboard itself.
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            // "same-site" is refused too: another port or subdomain of the same host is another application.
            return site is "same-origin" or "none" ? null : $"cross-site request refused (Sec-Fetch-Site: {site})";
        }
        // Browsers without Sec-Fetch-Site: the Origin's host and port must be the one the request was sent to.
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return null;
        if (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
            return null;
        return $"cross-site request refused (Origin {origin} is not this server)";
    }
}
