// A web app that only enqueues: it hands slow work to Conveyor and answers at once.
// Run it beside samples/Worker (same SQLite file), then:
//   curl -X POST 'http://127.0.0.1:5000/signup?email=a@example.com&name=Ada'
//   curl http://127.0.0.1:5000/jobs/1
// and open http://127.0.0.1:5000/conveyor/ for the dashboard (its API is under /conveyor/api/).
// With OTEL_EXPORTER_OTLP_ENDPOINT set (and OTEL_EXPORTER_OTLP_PROTOCOL, grpc by default), traces and metrics go to that
// OpenTelemetry collector: one trace runs from each request through the enqueue into the job on the worker.
using Conveyor;
using Conveyor.Samples;
using Conveyor.Web;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);
var database = builder.Configuration["Conveyor:Sqlite"] ?? "conveyor-samples.db";
builder.Services.AddConveyor(o => o.UseSqlite(database));
// The dashboard and HTTP API; bound to loopback here, so no key. Set one (ApiKey) before exposing it.
builder.Services.AddConveyorWeb();
if (builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 })
{
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(resource => resource.AddService("conveyor-sample-webapp"))
        .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddSource(ConveyorDiagnostics.ActivitySourceName).AddOtlpExporter())
        .WithMetrics(metrics => metrics.AddMeter(ConveyorDiagnostics.MeterName).AddOtlpExporter());
}

var app = builder.Build();

app.MapPost("/signup", async (string email, string name, JobClient jobs, CancellationToken ct) =>
{
    // The unique key makes a double click enqueue one email, not two.
    var id = await jobs.EnqueueAsync(new SendWelcomeEmail(email, name), new JobOptions { UniqueKey = $"welcome:{email}" }, ct);
    return Results.Accepted($"/jobs/{id}", new { id });
});

app.MapPost("/reports", async (int pages, JobClient jobs, CancellationToken ct) =>
{
    var id = await jobs.EnqueueAsync(new BuildReport(pages), new JobOptions { Queue = "reports", Timeout = TimeSpan.FromMinutes(5) }, ct);
    return Results.Accepted($"/jobs/{id}", new { id });
});

app.MapGet("/jobs/{id:long}", async (long id, JobClient jobs, CancellationToken ct) =>
    await jobs.GetAsync(id, ct) is { } job ? Results.Json(job, Conveyor.Serialization.ConveyorJson.Options) : Results.NotFound());

app.MapConveyor("/conveyor");

app.Run();
