using System.Globalization;

namespace Conveyor.Reliability.Node;

/// <summary>
/// The command line of the test node: <c>--store STORE --name NAME [--concurrency N] [--lease MS] [--heartbeat MS]
/// [--poll MS] [--maintenance MS] [--leader-lease MS] [--shutdown MS] [--cancel-grace MS] [--prefetch MS]</c>.
/// STORE is <c>sqlite:PATH</c>, a <c>postgres://</c> URL or an Npgsql connection string (with <c>Schema=…</c>).
/// </summary>
internal sealed record NodeArguments(string Store, string Name, int Concurrency, IReadOnlyDictionary<string, TimeSpan> Timings)
{
    public static NodeArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected an option, got {args[i]}");
            values[args[i][2..]] = args[i + 1];
        }
        if (args.Length % 2 != 0) throw new ArgumentException($"option {args[^1]} has no value");
        string Required(string key) => values.TryGetValue(key, out var value) ? value : throw new ArgumentException($"--{key} is required");
        var timings = values.Where(v => v.Key is not ("store" or "name" or "concurrency"))
            .ToDictionary(v => v.Key, v => TimeSpan.FromMilliseconds(long.Parse(v.Value, CultureInfo.InvariantCulture)), StringComparer.Ordinal);
        return new NodeArguments(Required("store"), Required("name"),
            values.TryGetValue("concurrency", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 10, timings);
    }

    public void Apply(WorkerOptionsBuilder worker)
    {
        worker.Name = Name;
        worker.Queue("default", Concurrency);
        foreach (var (key, value) in Timings)
        {
            switch (key)
            {
                case "lease": worker.LeaseDuration = value; break;
                case "heartbeat": worker.HeartbeatInterval = value; break;
                case "poll": worker.PollInterval = value; break;
                case "maintenance": worker.MaintenanceInterval = value; break;
                case "leader-lease": worker.LeaderLeaseDuration = value; break;
                case "shutdown": worker.ShutdownTimeout = value; break;
                case "cancel-grace": worker.CancelGrace = value; break;
                case "prefetch": worker.PrefetchHorizon = value; break;
                default: throw new ArgumentException($"unknown option --{key}");
            }
        }
    }
}
