namespace Conveyor;

/// <summary>The names under which Conveyor reports to .NET's diagnostics (for OpenTelemetry's <c>AddMeter</c>, <c>AddSource</c> and the like).</summary>
public static class ConveyorDiagnostics
{
    /// <summary>
    /// The <see cref="System.Diagnostics.Metrics.Meter"/> of a Conveyor setup: counters <c>conveyor.jobs.enqueued</c>,
    /// <c>conveyor.jobs.started</c>, <c>conveyor.jobs.succeeded</c>, <c>conveyor.jobs.failed</c> (every failed attempt),
    /// <c>conveyor.jobs.retried</c> and <c>conveyor.jobs.dead</c>; histograms <c>conveyor.job.duration</c> and
    /// <c>conveyor.job.queue_wait</c> (seconds from when the job was due to when its handler started); gauges
    /// <c>conveyor.worker.busy</c> and <c>conveyor.worker.slots</c>. Tagged with <c>queue</c> (and <c>kind</c> on the
    /// job instruments).
    /// </summary>
    public const string MeterName = "Conveyor";

    /// <summary>
    /// The <see cref="System.Diagnostics.ActivitySource"/> of a Conveyor setup. Each enqueue starts a producer span
    /// <c>enqueue KIND</c> (<c>enqueue</c> for a bulk of several kinds) and stores its W3C trace context with the jobs
    /// (the caller's <see cref="System.Diagnostics.Activity.Current"/> when nobody listens to this source); each attempt
    /// runs its handler inside a consumer span <c>run KIND</c> whose parent is that stored context, so one trace runs
    /// from the request that enqueued a job into the job, on whichever node runs it. Tags: <c>messaging.system</c>
    /// (<c>conveyor</c>), <c>messaging.destination.name</c> (the queue), <c>messaging.message.id</c> (the job id),
    /// <c>conveyor.job.kind</c> and, on runs, <c>conveyor.job.attempt</c>; a failed attempt has the status
    /// <see cref="System.Diagnostics.ActivityStatusCode.Error"/> and its exception as an event.
    /// </summary>
    public const string ActivitySourceName = "Conveyor";
}
