// A worker node: runs the jobs the web app enqueues. Ctrl+C (or SIGTERM) drains it gracefully.
// With OTEL_EXPORTER_OTLP_ENDPOINT set, each job's run span continues the trace of the request that enqueued it.
using Conveyor;
using Conveyor.Samples;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

var builder = Host.CreateApplicationBuilder(args);
var database = builder.Configuration["Conveyor:Sqlite"] ?? "conveyor-samples.db";
builder.Services.AddConveyor(o => o.UseSqlite(database))
    .AddSampleJobs()
    .AddWorker(w => w.Queue("default", 8).Queue("reports", 2));
if (builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 })
{
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(resource => resource.AddService("conveyor-sample-worker"))
        .WithTracing(tracing => tracing.AddSource(ConveyorDiagnostics.ActivitySourceName).AddOtlpExporter())
        .WithMetrics(metrics => metrics.AddMeter(ConveyorDiagnostics.MeterName).AddOtlpExporter());
}

builder.Build().Run();
