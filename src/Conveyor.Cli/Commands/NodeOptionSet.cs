using System.CommandLine;
using Conveyor.Cli.Config;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Commands;

/// <summary>
/// The options that shape a node, shared by <c>conveyor worker</c> and <c>conveyor serve</c>: its queues and slots,
/// config file, name, prefetch and (hidden) timings. Each is checked against <see cref="WorkerOptions"/>' own bounds
/// when parsed, so a bad value is bad usage (exit 2).
/// </summary>
internal sealed class NodeOptionSet
{
    private static readonly TimeSpan MaxInterval = WorkerOptions.MaxInterval;
    private static readonly TimeSpan MaxDuration = WorkerOptions.MaxDuration;

    private readonly Option<int?> _concurrency = CliOptions.OptionalNumber("--concurrency", "The node's pool of worker slots, shared by its queues (default: the sum of the queues' slots, or 10)", 1, int.MaxValue);
    private readonly Option<string?> _queues = new("--queues") { Description = "Queues to serve, each with the most slots it may take from the pool: Q[=N],… (default: default)", HelpName = "Q[=N],…" };
    private readonly Option<string?> _config = new("--config") { Description = "A config file (JSON) with queues, prefetch, exec handlers and cron schedules; the options override it", HelpName = "FILE" };
    private readonly Option<string?> _name = new("--name") { Description = "The node's name (default host:pid:xxxx)", HelpName = "NAME" };
    private readonly Option<TimeSpan?> _prefetch = new("--prefetch")
    {
        Description = "Also claim the jobs expected to start within this horizon at the current rate; 0 claims only for free slots (default 10ms)",
        HelpName = "DURATION|0",
        CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (Prefetch.TryParse(token, out var horizon)) return horizon;
            result.AddError($"--prefetch {Prefetch.Rule} (got {token})");
            return null;
        },
    };

    private readonly Option<TimeSpan?> _leaseDuration = CliOptions.Duration("--lease-duration", "Lease of a claimed job without heartbeat (default 30s)", hidden: true, max: MaxDuration);
    private readonly Option<TimeSpan?> _heartbeatInterval = CliOptions.Duration("--heartbeat-interval", "How often leases are extended (default 5s)", hidden: true, max: MaxInterval);
    private readonly Option<TimeSpan?> _pollInterval = CliOptions.Duration("--poll-interval", "Longest wait of a free slot before asking the store again (default 1s)", hidden: true, max: MaxInterval);
    private readonly Option<TimeSpan?> _shutdownTimeout = CliOptions.Duration("--shutdown-timeout", "On stop, how long running jobs may finish (default 30s)", hidden: true, max: MaxDuration);
    private readonly Option<TimeSpan?> _maintenanceInterval = CliOptions.Duration("--maintenance-interval", "How often the leader runs its chores (default 1s)", hidden: true, max: MaxInterval);
    private readonly Option<TimeSpan?> _leaderLeaseDuration = CliOptions.Duration("--leader-lease-duration", "Lease of the leadership; a new leader takes over within about this long (default 10s)", hidden: true, max: MaxDuration);
    private readonly Option<TimeSpan?> _affinityGrace = CliOptions.Duration("--affinity-grace", "How long a job with an affinity key waits for the node that owns it (default 2s)", hidden: true, max: MaxDuration);
    private readonly Option<TimeSpan?> _cancelGrace = CliOptions.Duration("--cancel-grace", "How long a cancelled handler gets before it is abandoned (default 5s)", hidden: true, max: MaxDuration);
    private readonly Option<int?> _maxLostLeases = Hidden(CliOptions.OptionalNumber("--max-lost-leases",
        "When leading, bury a job whose lease ran out this many times, so a job that kills its node takes down at most this many (default 3)",
        1, WorkerOptions.MaxLostLeasesLimit));

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
        {
            _concurrency, _queues, _config, _name, _prefetch,
            _leaseDuration, _heartbeatInterval, _pollInterval, _shutdownTimeout, _maintenanceInterval, _cancelGrace,
            _leaderLeaseDuration, _affinityGrace, _maxLostLeases,
        })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The node's options from the command line and config file, checked (a bad combination is a usage error).</summary>
    public WorkerOptions Build(ParseResult parse)
    {
        var config = Config(parse);
        var options = new WorkerOptionsBuilder { Name = parse.GetValue(_name), Concurrency = parse.GetValue(_concurrency) ?? config?.Concurrency };
        if (parse.GetValue(_queues) is { } spec)
        {
            foreach (var (queue, slots) in QueueSpec.Parse(spec)) options.Queue(queue, slots, config?.WeightOf(queue));
        }
        else if (config is { Queues.Count: > 0 })
        {
            foreach (var (queue, slots) in config.Queues) options.Queue(queue, slots, config.WeightOf(queue));
        }
        else
        {
            options.Queue(Validation.Names.DefaultQueue);
        }
        if (options.Concurrency is { } pool && options.Queues.FirstOrDefault(q => q.Value > pool) is { Key: not null } over)
        {
            throw new UsageException($"queue '{over.Key}' may take {over.Value} slots but the node's pool has only {pool} " +
                $"({(parse.GetResult(_concurrency) is null ? "concurrency in the config file" : "--concurrency")}): raise the pool or lower the queue's number");
        }
        options.PrefetchHorizon = parse.GetValue(_prefetch) ?? config?.Prefetch ?? options.PrefetchHorizon;
        options.LeaseDuration = parse.GetValue(_leaseDuration) ?? options.LeaseDuration;
        options.HeartbeatInterval = parse.GetValue(_heartbeatInterval) ?? options.HeartbeatInterval;
        options.PollInterval = parse.GetValue(_pollInterval) ?? options.PollInterval;
        options.ShutdownTimeout = parse.GetValue(_shutdownTimeout) ?? options.ShutdownTimeout;
        options.MaintenanceInterval = parse.GetValue(_maintenanceInterval) ?? options.MaintenanceInterval;
        options.CancelGrace = parse.GetValue(_cancelGrace) ?? options.CancelGrace;
        options.AffinityGrace = parse.GetValue(_affinityGrace) ?? options.AffinityGrace;
        options.MaxLostLeases = parse.GetValue(_maxLostLeases) ?? options.MaxLostLeases;
        if (parse.GetValue(_leaderLeaseDuration) is { } leaderLease) options.LeaderLeaseDuration = leaderLease;
        // The leader's lease must outlast several chores ticks: a long --maintenance-interval stretches it.
        else if (options.MaintenanceInterval * 3 > options.LeaderLeaseDuration)
            options.LeaderLeaseDuration = options.MaintenanceInterval * 5;
        // The builder refuses these pairs too, in its property names; here they are said in the options' names and values as typed.
        if (options.HeartbeatInterval >= options.LeaseDuration)
        {
            throw new UsageException($"--heartbeat-interval ({Typed(parse, _heartbeatInterval, options.HeartbeatInterval)}) must be shorter than " +
                $"--lease-duration ({Typed(parse, _leaseDuration, options.LeaseDuration)}), or leases run out between heartbeats");
        }
        if (options.MaintenanceInterval >= options.LeaderLeaseDuration)
        {
            throw new UsageException($"--maintenance-interval ({Typed(parse, _maintenanceInterval, options.MaintenanceInterval)}) must be shorter than " +
                $"--leader-lease-duration ({Typed(parse, _leaderLeaseDuration, options.LeaderLeaseDuration)})");
        }
        try
        {
            return options.Build();
        }
        catch (InvalidOperationException e)
        {
            // The other timings are checked together (and each one's bound is checked while parsing).
            throw new UsageException($"bad worker settings: {e.Message}");
        }
    }

    /// <summary>The config file named by <c>--config</c> (read once), or null.</summary>
    public WorkerConfig? Config(ParseResult parse)
    {
        if (parse.GetValue(_config) is not { } path) return null;
        return _loaded is { } loaded && loaded.Path == path ? loaded.Config : (_loaded = (path, WorkerConfig.Load(path))).Value.Config;
    }

    /// <summary>The path given to <c>--config</c>, or null.</summary>
    public string? ConfigPath(ParseResult parse) => parse.GetValue(_config);

    private (string Path, WorkerConfig Config)? _loaded;

    private static Option<T> Hidden<T>(Option<T> option)
    {
        option.Hidden = true;
        return option;
    }

    /// <summary>The value of <paramref name="option"/> as typed, or the value in effect when it was not given.</summary>
    private static string Typed(ParseResult parse, Option option, TimeSpan value) =>
        parse.GetResult(option)?.Tokens is { Count: > 0 } tokens ? tokens[^1].Value : $"{Durations.Format(value)} by default";
}
