using System.Collections.Concurrent;
using System.Diagnostics;
using Conveyor.Tests.Support;

namespace Conveyor.Tests.Engine;

// The trace context stored at enqueue is continued by the attempt's run span (memory store, in-process). Listeners are
// process-wide: the tests of this class run one after another and pick their spans by trace id.
public sealed class TracingTests
{
    private const string CallerSource = "Conveyor.Tests.Caller";

    [Fact]
    public async Task TheRunSpan_IsAChildOfTheEnqueueSpan_WhichIsAChildOfTheCaller()
    {
        using var spans = new Recorder(ConveyorDiagnostics.ActivitySourceName, CallerSource);
        using var caller = new ActivitySource(CallerSource);
        await using var node = TestNode.Create(b => b.AddJob("test.traced", (JobContext _) => { }));
        long id;
        ActivityContext parent;
        using (var outer = caller.StartActivity("caller")!)
        {
            outer.TraceStateString = "vendor=1";
            parent = outer.Context;
            id = (await node.Client.EnqueueAsync(new JobRequest("test.traced"))).Id;
        }
        await node.StartAsync();
        (await node.WaitAsync(id)).State.ShouldBe(JobState.Succeeded);

        var run = await spans.WaitForAsync(parent.TraceId, "run test.traced");
        var enqueue = spans.Of(parent.TraceId).Single(a => a.DisplayName == "enqueue test.traced");
        enqueue.ParentSpanId.ShouldBe(parent.SpanId);
        enqueue.Kind.ShouldBe(ActivityKind.Producer);
        run.ParentSpanId.ShouldBe(enqueue.SpanId);
        run.TraceStateString.ShouldBe("vendor=1");
        run.GetTagItem("messaging.message.id").ShouldBe(id);
    }

    [Fact]
    public async Task WithoutAListenerAtEnqueue_TheCallersContextIsStored_AndAJobWithoutOneStartsItsOwnTrace()
    {
        using var callerSpans = new Recorder(CallerSource);
        using var caller = new ActivitySource(CallerSource);
        // The untraced job has a kind of its own: other tests' nodes (in parallel, with their own job ids) run spans too.
        await using var node = TestNode.Create(b => b.AddJob("test.traced", (JobContext _) => { }).AddJob("test.untraced", (JobContext _) => { }));
        long traced;
        ActivityContext parent;
        using (var outer = caller.StartActivity("caller")!)
        {
            parent = outer.Context;
            traced = (await node.Client.EnqueueAsync(new JobRequest("test.traced"))).Id;
        }
        var untraced = (await node.Client.EnqueueAsync(new JobRequest("test.untraced"))).Id;

        using var spans = new Recorder(ConveyorDiagnostics.ActivitySourceName);
        await node.StartAsync();
        (await node.WaitAsync(traced)).State.ShouldBe(JobState.Succeeded);
        (await node.WaitAsync(untraced)).State.ShouldBe(JobState.Succeeded);

        var run = await spans.WaitForAsync(parent.TraceId, "run test.traced");
        run.ParentSpanId.ShouldBe(parent.SpanId);
        spans.Of(parent.TraceId).ShouldNotContain(a => a.DisplayName.StartsWith("enqueue", StringComparison.Ordinal));
        bool IsUntracedRun(Activity a) => a.DisplayName == "run test.untraced" && Equals(a.GetTagItem("messaging.message.id"), untraced);
        await Eventually.HoldsAsync(() => spans.All.Any(IsUntracedRun), "the untraced job's run span ended");
        var own = spans.All.Single(IsUntracedRun);
        own.ParentSpanId.ShouldBe(default);
        own.TraceId.ShouldNotBe(parent.TraceId);
    }

    private sealed class Recorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public Recorder(params string[] sources)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => sources.Contains(s.Name),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> All => [.. _stopped];

        public IReadOnlyList<Activity> Of(ActivityTraceId traceId) => [.. _stopped.Where(a => a.TraceId == traceId)];

        public async Task<Activity> WaitForAsync(ActivityTraceId traceId, string name)
        {
            await Eventually.HoldsAsync(() => Of(traceId).Any(a => a.DisplayName == name), $"span '{name}' ended");
            return Of(traceId).First(a => a.DisplayName == name);
        }

        public void Dispose() => _listener.Dispose();
    }
}
