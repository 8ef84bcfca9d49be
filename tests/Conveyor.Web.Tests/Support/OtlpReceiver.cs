using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Web.Tests.Support;

/// <summary>
/// A tiny OpenTelemetry collector: OTLP over HTTP with protobuf bodies on 127.0.0.1. Keeps the spans of every
/// <c>POST /v1/traces</c>; accepts metrics and logs and keeps nothing of them.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpSpans.Span> _spans = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base URL to give as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint { get; private set; } = "";

    public IReadOnlyList<OtlpSpans.Span> Spans => [.. _spans];

    /// <summary>How many trace requests arrived with a content type other than protobuf (none should).</summary>
    public int Rejected { get; private set; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            if (request.ContentType != "application/x-protobuf")
            {
                receiver.Rejected++;
                return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            }
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in OtlpSpans.Parse(body.ToArray())) receiver._spans.Enqueue(span);
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/{signal}", (string signal) => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        receiver.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
