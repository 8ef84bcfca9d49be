using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Conveyor.Observability;

namespace Conveyor.Web.Metrics;

/// <summary>
/// Listens to the instruments of this setup's <c>Conveyor</c> meter from the moment the app maps its endpoints, and
/// renders them in the Prometheus text format: counters as <c>_total</c>, histograms as buckets, sum and count,
/// observable gauges as read at the scrape. Only this setup's meter: two setups in one process report apart.
/// </summary>
internal sealed class MeterCollector : IDisposable
{
    // Seconds: from a no-op job to a long report.
    private static readonly double[] Bounds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), long> _counters = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), Histogram> _histograms = new();
    private readonly Dictionary<(string Name, string Labels), double> _gauges = [];
    private readonly Dictionary<string, Instrument> _instruments = [];
    private readonly Lock _collecting = new();

    public MeterCollector(ConveyorMetrics metrics)
    {
        var meter = metrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, meter)) return;
            lock (_instruments) _instruments[instrument.Name] = instrument;
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = (instrument.Name, Labels(tags));
        switch (instrument)
        {
            case Counter<long>:
                _counters.AddOrUpdate(key, (long)value, (_, total) => total + (long)value);
                break;
            case Histogram<double>:
                _histograms.GetOrAdd(key, _ => new Histogram()).Add(value);
                break;
            default:
                // Observable gauges report during a collection, which holds _collecting.
                _gauges[key] = value;
                break;
        }
    }

    /// <summary>Appends every instrument's current values to <paramref name="text"/>.</summary>
    public void Render(StringBuilder text)
    {
        Instrument[] instruments;
        lock (_instruments) instruments = [.. _instruments.Values.OrderBy(i => i.Name, StringComparer.Ordinal)];
        lock (_collecting)
        {
            _gauges.Clear();
            _listener.RecordObservableInstruments();
            foreach (var instrument in instruments)
            {
                var name = instrument.Name.Replace('.', '_');
                switch (instrument)
                {
                    case Counter<long>:
                        PrometheusWriter.Family(text, name + "_total", instrument.Description ?? name, "counter");
                        foreach (var ((_, labels), total) in _counters.Where(c => c.Key.Name == instrument.Name).OrderBy(c => c.Key.Labels, StringComparer.Ordinal))
                            PrometheusWriter.Sample(text, name + "_total", labels, total);
                        break;
                    case Histogram<double>:
                        var family = name + (instrument.Unit == "s" ? "_seconds" : "");
                        PrometheusWriter.Family(text, family, instrument.Description ?? name, "histogram");
                        foreach (var ((_, labels), histogram) in _histograms.Where(h => h.Key.Name == instrument.Name).OrderBy(h => h.Key.Labels, StringComparer.Ordinal))
                            histogram.Render(text, family, labels);
                        break;
                    default:
                        PrometheusWriter.Family(text, name, instrument.Description ?? name);
                        foreach (var ((_, labels), value) in _gauges.Where(g => g.Key.Name == instrument.Name).OrderBy(g => g.Key.Labels, StringComparer.Ordinal))
                            PrometheusWriter.Sample(text, name, labels, value);
                        break;
                }
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = tags.ToArray().Select(t => (t.Key, Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? "")).ToList();
        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return PrometheusWriter.Labels(pairs);
    }

    /// <summary>Cumulative buckets, sum and count of one histogram series.</summary>
    private sealed class Histogram
    {
        private readonly Lock _gate = new();
        private readonly long[] _buckets = new long[Bounds.Length];
        private long _count;
        private double _sum;

        public void Add(double value)
        {
            lock (_gate)
            {
                for (var i = 0; i < Bounds.Length; i++)
                {
                    if (value <= Bounds[i]) _buckets[i]++;
                }
                _count++;
                _sum += value;
            }
        }

        public void Render(StringBuilder text, string family, string labels)
        {
            lock (_gate)
            {
                var prefix = labels.Length > 0 ? labels + "," : "";
                for (var i = 0; i < Bounds.Length; i++)
                    PrometheusWriter.Sample(text, family + "_bucket", prefix + $"le=\"{PrometheusWriter.Number(Bounds[i])}\"", _buckets[i]);
                PrometheusWriter.Sample(text, family + "_bucket", prefix + "le=\"+Inf\"", _count);
                PrometheusWriter.Sample(text, family + "_sum", labels, _sum);
                PrometheusWriter.Sample(text, family + "_count", labels, _count);
            }
        }
    }
}
