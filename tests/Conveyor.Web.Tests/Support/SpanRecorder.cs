using System.Collections.Concurrent;
using System.Diagnostics;

namespace Conveyor.Web.Tests.Support;

/// <summary>
/// Records every span that ends in this process from Conveyor's source, ASP.NET Core's and the test handlers', as an
/// OpenTelemetry pipeline would. Listeners are process-wide, so tests pick their spans by trace id.
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    /// <summary>The source of the spans <see cref="TestKinds.Traced"/> starts inside its handler.</summary>
    public const string HandlerSourceName = "Conveyor.Web.Tests.Handler";

    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ConveyorDiagnostics.ActivitySourceName or "Microsoft.AspNetCore" or HandlerSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The ended spans of one trace.</summary>
    public IReadOnlyList<Activity> Trace(ActivityTraceId traceId) => [.. _stopped.Where(a => a.TraceId == traceId)];

    /// <summary>Waits until a span named <paramref name="name"/> of the trace has ended and returns it.</summary>
    public async Task<Activity> WaitForAsync(ActivityTraceId traceId, string name, Func<Activity, bool>? match = null)
    {
        Activity? found = null;
        await WebServer.WaitUntilAsync(() =>
        {
            found = Trace(traceId).FirstOrDefault(a => a.DisplayName == name && (match is null || match(a)));
            return Task.FromResult(found is not null);
        }, $"span '{name}' of trace {traceId} ended");
        return found!;
    }

    public void Dispose() => _listener.Dispose();
}
