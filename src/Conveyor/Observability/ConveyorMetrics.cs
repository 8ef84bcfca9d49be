using System.Diagnostics.Metrics;

namespace Conveyor.Observability;

/// <summary>
/// The instruments of one Conveyor setup (see <see cref="ConveyorDiagnostics.MeterName"/>). The meter comes from the
/// container's <see cref="IMeterFactory"/> when it has one, so two setups in one process report apart. Recording
/// costs a check of <c>Enabled</c> while nobody listens.
/// </summary>
internal sealed class ConveyorMetrics : IDisposable
{
    private readonly bool _ownsMeter;

    public ConveyorMetrics(IMeterFactory? factory = null)
    {
        Meter = factory?.Create(ConveyorDiagnostics.MeterName) ?? new Meter(ConveyorDiagnostics.MeterName);
        _ownsMeter = factory is null;
        Enqueued = Meter.CreateCounter<long>("conveyor.jobs.enqueued", "{job}", "Jobs enqueued (not those a unique key matched).");
        Started = Meter.CreateCounter<long>("conveyor.jobs.started", "{job}", "Attempts whose handler started.");
        Succeeded = Meter.CreateCounter<long>("conveyor.jobs.succeeded", "{job}", "Attempts that succeeded.");
        Failed = Meter.CreateCounter<long>("conveyor.jobs.failed", "{job}", "Attempts that failed (to be retried or dead).");
        Retried = Meter.CreateCounter<long>("conveyor.jobs.retried", "{job}", "Failed attempts that will be retried.");
        Dead = Meter.CreateCounter<long>("conveyor.jobs.dead", "{job}", "Jobs that ended dead.");
        CompletionsRefused = Meter.CreateCounter<long>("conveyor.jobs.completions_refused", "{job}",
            "Outcomes the store refused because the node no longer held the attempt's lease (rescued, cancelled or deleted meanwhile).");
        Duration = Meter.CreateHistogram<double>("conveyor.job.duration", "s", "How long handlers ran.");
        QueueWait = Meter.CreateHistogram<double>("conveyor.job.queue_wait", "s", "From when a job was due to when its handler started.");
    }

    public Meter Meter { get; }
    public Counter<long> Enqueued { get; }
    public Counter<long> Started { get; }
    public Counter<long> Succeeded { get; }
    public Counter<long> Failed { get; }
    public Counter<long> Retried { get; }
    public Counter<long> Dead { get; }
    public Counter<long> CompletionsRefused { get; }
    public Histogram<double> Duration { get; }
    public Histogram<double> QueueWait { get; }

    /// <summary>The setup's spans (its <see cref="System.Diagnostics.ActivitySource"/>).</summary>
    public ConveyorTracing Tracing { get; } = new();

    /// <summary>Whether anybody listens to the instruments recorded per attempt.</summary>
    public bool JobInstrumentsEnabled =>
        Succeeded.Enabled || Failed.Enabled || Retried.Enabled || Dead.Enabled || Duration.Enabled || QueueWait.Enabled;

    /// <summary>An attempt's handler starts.</summary>
    public void HandlerStarted(Storage.ClaimedJob job)
    {
        if (Started.Enabled) Started.Add(1, new("queue", job.Queue), new("kind", job.Kind));
    }

    /// <summary>Reports a node's busy and total slots per queue, read when a listener collects.</summary>
    public void ObserveSlots(Func<IReadOnlyDictionary<string, Storage.NodeQueueSlots>> slots)
    {
        Meter.CreateObservableGauge("conveyor.worker.busy", () => Slots(slots(), busy: true), "{slot}", "Worker slots running a job.");
        Meter.CreateObservableGauge("conveyor.worker.slots", () => Slots(slots(), busy: false), "{slot}", "Worker slots.");
    }

    private static IEnumerable<Measurement<int>> Slots(IReadOnlyDictionary<string, Storage.NodeQueueSlots> slots, bool busy)
    {
        foreach (var (queue, value) in slots)
            yield return new Measurement<int>(busy ? value.Busy : value.Slots, new KeyValuePair<string, object?>("queue", queue));
    }

    public void Dispose()
    {
        Tracing.Dispose();
        if (_ownsMeter) Meter.Dispose();
    }
}
