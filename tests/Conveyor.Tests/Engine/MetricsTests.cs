using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Conveyor.Observability;
using Conveyor.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Engine;

// The Conveyor meter of one setup, heard through a MeterListener as any exporter would hear it.
public sealed class MetricsTests
{
    [Fact]
    public async Task TheMeter_CountsWhatTheClientEnqueuedAndTheNodeRan_PerQueueAndKind()
    {
        await using var node = TestNode.Create(b => b
            .AddJob("test.ok", () => Task.CompletedTask)
            .AddJob("test.bad", Task () => throw new InvalidOperationException("no")));
        var meter = node.Services.GetRequiredService<ConveyorMetrics>().Meter;
        var totals = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) l.EnableMeasurementEvents(instrument);
        };
        void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = string.Join(",", tags.ToArray().OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}"));
            // Counters add up their values; histograms count their recordings here.
            var add = instrument is Histogram<double> ? 1 : value;
            totals.AddOrUpdate($"{instrument.Name}[{labels}]", add, (_, total) => total + add);
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => totals[$"{i.Name}[{string.Join(",", t.ToArray().Select(x => $"{x.Key}={x.Value}"))}]"] = v);
        listener.Start();

        var ok = await node.Client.EnqueueManyAsync([new JobRequest("test.ok"), new JobRequest("test.ok"), new JobRequest("test.ok")]);
        var bad = await node.Client.EnqueueAsync(new JobRequest("test.bad", "{}", new JobOptions { MaxAttempts = 2 }));
        var unique = new JobRequest("test.ok", "{}", new JobOptions { UniqueKey = "once" });
        await node.Client.EnqueueAsync(unique);
        await node.Client.EnqueueAsync(unique); // matched: not a new job
        await node.StartAsync();
        foreach (var r in ok) (await node.WaitAsync(r.Id)).State.ShouldBe(JobState.Succeeded);
        (await node.WaitAsync(bad.Id)).State.ShouldBe(JobState.Dead);
        listener.RecordObservableInstruments();

        const string Ok = "kind=test.ok,queue=default";
        const string Bad = "kind=test.bad,queue=default";
        totals[$"conveyor.jobs.enqueued[{Ok}]"].ShouldBe(4);
        totals[$"conveyor.jobs.enqueued[{Bad}]"].ShouldBe(1);
        await Eventually.HoldsAsync(() => totals.GetValueOrDefault($"conveyor.jobs.succeeded[{Ok}]") == 4, "the unique job ran too");
        totals[$"conveyor.jobs.started[{Ok}]"].ShouldBe(4);
        totals[$"conveyor.jobs.started[{Bad}]"].ShouldBe(2);
        totals[$"conveyor.jobs.failed[{Bad}]"].ShouldBe(2);
        totals[$"conveyor.jobs.retried[{Bad}]"].ShouldBe(1);
        totals[$"conveyor.jobs.dead[{Bad}]"].ShouldBe(1);
        totals[$"conveyor.job.duration[{Ok}]"].ShouldBe(4, "one duration per attempt");
        totals[$"conveyor.job.queue_wait[{Bad}]"].ShouldBe(2, "one queue wait per attempt");
        totals["conveyor.worker.slots[queue=default]"].ShouldBe(WorkerOptions.DefaultConcurrency);
        totals.ShouldContainKey("conveyor.worker.busy[queue=default]");
    }

    [Fact]
    public async Task TwoSetupsInOneProcess_ReportOnMetersOfTheirOwn()
    {
        await using var first = TestNode.Create(b => b.AddJob("test.ok", () => Task.CompletedTask));
        await using var second = TestNode.Create(b => b.AddJob("test.ok", () => Task.CompletedTask));
        first.Services.GetRequiredService<ConveyorMetrics>().Meter
            .ShouldNotBeSameAs(second.Services.GetRequiredService<ConveyorMetrics>().Meter);
        first.Services.GetRequiredService<ConveyorMetrics>().Meter.Name.ShouldBe(ConveyorDiagnostics.MeterName);
    }
}
