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
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        // "same-site" is refused too: another port or subdomain of the same host is another application.
        if (site.Length > 0 && site is not ("same-origin" or "none"))
            return $"cross-site request refused (Sec-Fetch-Site: {site})";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
            return $"cross-site request refused (Origin {origin} is not this server)";
        return null;
    }
}
