namespace Conveyor;

/// <summary>The names under which Conveyor reports to .NET's diagnostics (for OpenTelemetry's <c>AddMeter</c> and the like).</summary>
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
}
