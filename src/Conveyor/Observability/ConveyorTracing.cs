using System.Diagnostics;
using Conveyor.Storage;

namespace Conveyor.Observability;

/// <summary>
/// The spans of one Conveyor setup (see <see cref="ConveyorDiagnostics.ActivitySourceName"/>): a producer span per
/// enqueue call and a consumer span per attempt, joined through the W3C trace context stored with each job. Starting a
/// span costs a check of <see cref="ActivitySource.HasListeners"/> while nobody listens.
/// </summary>
internal sealed class ConveyorTracing : IDisposable
{
    private const string MessagingSystem = "conveyor";

    public ActivitySource Source { get; } = new(ConveyorDiagnostics.ActivitySourceName, typeof(ConveyorTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the producer span of an enqueue of <paramref name="jobs"/> (at least one), or null when nobody listens.</summary>
    public Activity? StartEnqueue(IReadOnlyList<NewJob> jobs)
    {
        if (!Source.HasListeners()) return null;
        var kind = jobs[0].Kind;
        var queue = jobs[0].Queue;
        for (var i = 1; i < jobs.Count && (kind is not null || queue is not null); i++)
        {
            if (kind is not null && jobs[i].Kind != kind) kind = null;
            if (queue is not null && jobs[i].Queue != queue) queue = null;
        }
        var activity = Source.StartActivity(kind is null ? "enqueue" : "enqueue " + kind, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", MessagingSystem);
            activity.SetTag("messaging.operation.type", "send");
            if (queue is not null) activity.SetTag("messaging.destination.name", queue);
            if (kind is not null) activity.SetTag("conveyor.job.kind", kind);
            if (jobs.Count > 1) activity.SetTag("messaging.batch.message_count", jobs.Count);
        }
        return activity;
    }

    /// <summary>
    /// The trace context to store with jobs enqueued now: the enqueue span's, else the caller's current activity's;
    /// null when there is none, or when it is not in the W3C format (which the run span could not continue).
    /// </summary>
    public static (string? Parent, string? State) ContextToStore(Activity? enqueue)
    {
        var activity = enqueue ?? Activity.Current;
        return activity is { IdFormat: ActivityIdFormat.W3C } ? (activity.Id, activity.TraceStateString) : (null, null);
    }

    /// <summary>
    /// Starts the consumer span of one attempt of <paramref name="job"/>, child of the context stored at its enqueue (a
    /// new trace when it has none), and makes it current; null when nobody listens.
    /// </summary>
    public Activity? StartRun(ClaimedJob job)
    {
        if (!Source.HasListeners()) return null;
        ActivityContext parent = default;
        if (job.TraceParent is { } traceParent && !ActivityContext.TryParse(traceParent, job.TraceState, isRemote: true, out parent))
            parent = default;
        // A job's run belongs to its enqueue's trace, never to whatever activity the worker's flow happens to carry.
        if (parent == default) Activity.Current = null;
        var activity = Source.StartActivity("run " + job.Kind, ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", MessagingSystem);
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", job.Queue);
            activity.SetTag("messaging.message.id", job.Id);
            activity.SetTag("conveyor.job.kind", job.Kind);
            activity.SetTag("conveyor.job.attempt", job.Attempt);
        }
        return activity;
    }

    /// <summary>Marks <paramref name="activity"/> as failed by <paramref name="exception"/>.</summary>
    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null) return;
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
        activity.AddException(exception);
    }

    public void Dispose() => Source.Dispose();
}
