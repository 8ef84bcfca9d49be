using System.Diagnostics;
using System.Net;
using Conveyor.Web.Tests.Support;

namespace Conveyor.Web.Tests;

/// <summary>
/// The samples as a user runs them, exporting over OTLP to a collector (a tiny one in the test): the trace of a request
/// to the web app is followed through the enqueue into the job that the worker process runs.
/// </summary>
public sealed class SampleTraceTests
{
    [Fact]
    public async Task The_sample_s_trace_runs_from_the_request_into_the_job_on_the_worker()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        var folder = Path.Combine(Path.GetTempPath(), "conveyor-sample-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        try
        {
            var database = Path.Combine(folder, "samples.db");
            var environment = new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                // Export within a fraction of a second instead of the default 5 s.
                ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            };
            await using var web = await SampleProcess.StartAsync("WebApp", ["--urls", "http://127.0.0.1:0", "--worker=false", "--Conveyor:Sqlite=" + database], environment, waitForListening: true);
            await using var worker = await SampleProcess.StartAsync("Worker", ["--Conveyor:Sqlite=" + database], environment, waitForListening: false);
            using var http = new HttpClient { BaseAddress = web.Root, Timeout = TimeSpan.FromSeconds(30) };

            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            var callerSpan = ActivitySpanId.CreateRandom().ToHexString();
            var request = new HttpRequestMessage(HttpMethod.Post, "signup?email=ada@example.com&name=Ada");
            request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
            var response = await http.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            var id = (await response.JsonAsync()).GetProperty("id").GetInt64();
            await WebServer.WaitUntilAsync(async () =>
                (await (await http.GetAsync($"jobs/{id}")).JsonAsync()).GetProperty("state").GetString() == "succeeded",
                $"the sample job {id} succeeded\n{worker.Output}", TimeSpan.FromSeconds(60));

            OtlpSpans.Span? run = null;
            await WebServer.WaitUntilAsync(() =>
            {
                run = collector.Spans.FirstOrDefault(s => s.TraceId == traceId && s.Name == "run sample.welcome_email");
                return Task.FromResult(run is not null);
            }, "the worker exported the job's run span", TimeSpan.FromSeconds(30));
            var trace = collector.Spans.Where(s => s.TraceId == traceId).ToList();
            var server = trace.Single(s => s.Kind == OtlpSpans.Server);
            var enqueue = trace.Single(s => s.Name == "enqueue sample.welcome_email");

            server.Service.ShouldBe("conveyor-sample-webapp");
            server.ParentSpanId.ShouldBe(callerSpan);
            enqueue.Service.ShouldBe("conveyor-sample-webapp");
            enqueue.Scope.ShouldBe(ConveyorDiagnostics.ActivitySourceName);
            enqueue.Kind.ShouldBe(OtlpSpans.Producer);
            enqueue.ParentSpanId.ShouldBe(server.SpanId);
            run!.Service.ShouldBe("conveyor-sample-worker");
            run.Kind.ShouldBe(OtlpSpans.Consumer);
            run.ParentSpanId.ShouldBe(enqueue.SpanId);
            collector.Rejected.ShouldBe(0);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold the file for a moment; the temp folder is cleaned by the system.
            }
        }
    }
}
