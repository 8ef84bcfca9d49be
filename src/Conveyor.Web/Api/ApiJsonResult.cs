using System.Text;
using System.Text.Json;
using Conveyor.Serialization;
using Microsoft.AspNetCore.Http;

namespace Conveyor.Web.Api;

/// <summary>
/// An answer whose body one of <see cref="ApiJson"/>'s writers makes: the same bytes the CLI prints with <c>--json</c>
/// (without its closing newline).
/// </summary>
internal sealed class ApiJsonResult(int statusCode, Action<Utf8JsonWriter> write, string? location = null) : IResult
{
    public int StatusCode { get; } = statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var body = Encoding.UTF8.GetBytes(ApiJson.Render(write));
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        if (location is not null) response.Headers.Location = location;
        await response.Body.WriteAsync(body, httpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>{"error": message, "field": field}</c> with <paramref name="statusCode"/>.</summary>
    public static ApiJsonResult Error(int statusCode, string message, string? field = null) =>
        new(statusCode, w => ApiJson.WriteError(w, message, field));
}
