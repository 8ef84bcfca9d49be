// A web app that hands slow work to Conveyor and answers at once. One command runs it with its own worker:
//   dotnet run --project samples/WebApp -- --urls http://127.0.0.1:5000
//   curl -X POST 'http://127.0.0.1:5000/signup?email=a@example.com&name=Ada'
//   curl http://127.0.0.1:5000/jobs/1
// and open http://127.0.0.1:5000/conveyor/ for the dashboard (its API is under /conveyor/api/).
// A sign-up is stored and its welcome mail enqueued in one SQLite transaction: both happen or neither does.
// With --worker=false it only enqueues, and samples/Worker (same SQLite file) runs the jobs.
// With OTEL_EXPORTER_OTLP_ENDPOINT set (and OTEL_EXPORTER_OTLP_PROTOCOL, grpc by default), traces and metrics go to that
// OpenTelemetry collector: one trace runs from each request through the enqueue into the job.
using Conveyor;
using Conveyor.Samples;
using Conveyor.Web;
using Microsoft.Data.Sqlite;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);
var database = builder.Configuration["Conveyor:Sqlite"] ?? "conveyor-samples.db";
var conveyor = builder.Services.AddConveyor(o => o.UseSqlite(database));
if (builder.Configuration.GetValue("worker", defaultValue: true))
    conveyor.AddSampleJobs().AddWorker(w => w.Queue("default", 8).Queue("reports", 2));
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

await Signups.CreateTableAsync(database);

app.MapPost("/signup", async (string email, string name, JobClient jobs, CancellationToken ct) =>
{
    if (string.IsNullOrWhiteSpace(email) || !email.Contains('@'))
        return Results.BadRequest(new { error = "email must be an address like a@example.com" });
    // The app's own row and the job in one transaction: a sign-up that fails to commit sends no mail, and a
    // committed one always has its job. BeginTransaction() is immediate, as the SQLite store asks.
    await using var connection = new SqliteConnection(Signups.ConnectionString(database));
    await connection.OpenAsync(ct);
    await using var transaction = connection.BeginTransaction();
    if (!await Signups.TryInsertAsync(connection, transaction, email, name, ct))
        return Results.Conflict(new { error = $"{email} has signed up already" });
    var id = await jobs.EnqueueAsync(transaction, new SendWelcomeEmail(email, name), cancellationToken: ct);
    await transaction.CommitAsync(ct);
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
