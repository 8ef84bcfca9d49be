using System.Diagnostics;
using System.Net;
using Conveyor.Web.Tests.Support;

namespace Conveyor.Web.Tests;

/// <summary>
/// One trace from the web request into the job: a real HTTP request carrying a <c>traceparent</c> header, the enqueue's
/// producer span, the trace context stored with the job in SQLite or PostgreSQL, and the run span of the attempt.
/// </summary>
public sealed class TraceTests
{
    [Theory]
    [MemberData(nameof(TestStore.Kinds), MemberType = typeof(TestStore))]
    public async Task A_request_s_trace_runs_through_the_enqueue_into_the_job(string store)
    {
        using var spans = new SpanRecorder();
        var logs = new LogRecorder();
        await using var server = await WebServer.StartAsync(store, logs: logs);
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();

        var request = new HttpRequestMessage(HttpMethod.Post, "api/jobs")
        {
            Content = new StringContent("""{"kind": "test.traced", "args": {"n": 1}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        var response = await server.Http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await response.JsonAsync()).GetProperty("id").GetInt64();
        await server.WaitForStateAsync(id, JobState.Succeeded);

        var run = await spans.WaitForAsync(traceId, "run " + TestKinds.Traced);
        var enqueue = await spans.WaitForAsync(traceId, "enqueue " + TestKinds.Traced);
        var handler = await spans.WaitForAsync(traceId, "handler work");
        var http = spans.Trace(traceId).Single(a => a.Source.Name == "Microsoft.AspNetCore");

        http.ParentSpanId.ShouldBe(callerSpan);
        enqueue.Kind.ShouldBe(ActivityKind.Producer);
        enqueue.ParentSpanId.ShouldBe(http.SpanId);
        enqueue.GetTagItem("messaging.message.id").ShouldBe(id);
        enqueue.GetTagItem("messaging.destination.name").ShouldBe("default");
        run.Kind.ShouldBe(ActivityKind.Consumer);
        run.ParentSpanId.ShouldBe(enqueue.SpanId);
        run.HasRemoteParent.ShouldBeTrue();
        run.Status.ShouldBe(ActivityStatusCode.Unset);
        run.GetTagItem("messaging.message.id").ShouldBe(id);
        run.GetTagItem("conveyor.job.kind").ShouldBe(TestKinds.Traced);
        run.GetTagItem("messaging.destination.name").ShouldBe("default");
        run.GetTagItem("conveyor.job.attempt").ShouldBe(1);
        handler.ParentSpanId.ShouldBe(run.SpanId);

        // The handler's log entry (written inside its own span) carries the job's scope and the trace.
        var entry = logs.Entries.Single(e => e.Category == "test.traced" && e.Scope.Any(p => p.Key == "JobId" && Equals(p.Value, id)));
        entry.Scope.ShouldContain(p => p.Key == "TraceId" && p.Value!.ToString() == traceId.ToString());
        entry.Scope.ShouldContain(p => p.Key == "SpanId" && p.Value!.ToString() == handler.SpanId.ToString());
        entry.Scope.ShouldContain(p => p.Key == "ParentId" && p.Value!.ToString() == run.SpanId.ToString());
    }

    [Fact]
    public async Task A_bulk_enqueue_is_one_span_and_each_job_runs_under_it()
    {
        using var spans = new SpanRecorder();
        await using var server = await WebServer.StartAsync("sqlite");
        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Post, "api/jobs/bulk")
        {
            Content = new StringContent("""{"jobs": [{"kind": "test.echo"}, {"kind": "test.echo", "args": {"n": 2}}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await server.Http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var ids = (await response.JsonAsync()).GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        foreach (var id in ids) await server.WaitForStateAsync(id, JobState.Succeeded);

        var enqueue = await spans.WaitForAsync(traceId, "enqueue " + TestKinds.Echo);
        enqueue.GetTagItem("messaging.batch.message_count").ShouldBe(2);
        foreach (var id in ids)
        {
            var run = await spans.WaitForAsync(traceId, "run " + TestKinds.Echo, a => Equals(a.GetTagItem("messaging.message.id"), id));
            run.ParentSpanId.ShouldBe(enqueue.SpanId);
        }
        spans.Trace(traceId).Count(a => a.DisplayName.StartsWith("enqueue", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task A_failed_attempt_s_span_has_the_error_status_and_each_retry_its_own_span()
    {
        using var spans = new SpanRecorder();
        await using var server = await WebServer.StartAsync("sqlite");
        using var caller = new ActivitySource("Conveyor.Web.Tests.Caller");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Conveyor.Web.Tests.Caller",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);

        // The C# client in the caller's own span: the enqueue span is its child.
        long id;
        ActivityTraceId traceId;
        using (var outer = caller.StartActivity("caller")!)
        {
            traceId = outer.TraceId;
            id = await server.Jobs.EnqueueAsync(new TracedRetry(), new JobOptions { MaxAttempts = 2 });
        }
        await server.WaitForStateAsync(id, JobState.Succeeded);

        var enqueue = await spans.WaitForAsync(traceId, "enqueue " + TestKinds.FailFirst);
        var failed = await spans.WaitForAsync(traceId, "run " + TestKinds.FailFirst, a => Equals(a.GetTagItem("conveyor.job.attempt"), 1));
        var succeeded = await spans.WaitForAsync(traceId, "run " + TestKinds.FailFirst, a => Equals(a.GetTagItem("conveyor.job.attempt"), 2));
        failed.Status.ShouldBe(ActivityStatusCode.Error);
        failed.StatusDescription.ShouldBe(TestKinds.FailFirstMessage);
        failed.GetTagItem("error.type").ShouldBe(typeof(InvalidOperationException).FullName);
        failed.Events.ShouldContain(e => e.Name == "exception");
        succeeded.Status.ShouldBe(ActivityStatusCode.Unset);
        failed.ParentSpanId.ShouldBe(enqueue.SpanId);
        succeeded.ParentSpanId.ShouldBe(enqueue.SpanId);
    }

    private sealed record TracedRetry : IJobArgs
    {
        public static string Kind => TestKinds.FailFirst;
    }
}
