using System.CommandLine;
using Conveyor.Cli.Config;
using Conveyor.Cli.Kinds;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor worker</c>: a node without the web part, run by the .NET Generic Host, so SIGINT and SIGTERM
/// stop it gracefully (stop claiming, drain for the shutdown timeout, put unfinished jobs back).
/// It runs the built-in <c>conveyor.*</c> kinds.
/// </summary>
internal sealed class WorkerCommand(CliContext context)
{
    /// <summary>Added to the node's own shutdown time before the host gives up on it (flushing completions, leaving the registry).</summary>
    private static readonly TimeSpan HostShutdownMargin = TimeSpan.FromSeconds(30);

    private readonly Option<int> _concurrency = CliOptions.Number("--concurrency", "Worker slots of each queue that does not name its own", 1, int.MaxValue);
    private readonly Option<string?> _queues = new("--queues") { Description = "Queues to serve, with optional slots: Q[=N],… (default: default)", HelpName = "Q[=N],…" };
    private readonly Option<string?> _config = new("--config") { Description = "A config file (JSON) with a queues section; --queues overrides it", HelpName = "FILE" };
    private readonly Option<string?> _name = new("--name") { Description = "The node's name (default host:pid:xxxx)", HelpName = "NAME" };
    // The options are checked against WorkerOptions' own bounds when parsed, so a bad value is bad usage (exit 2).
    private static readonly TimeSpan MaxInterval = WorkerOptions.MaxInterval;
    private static readonly TimeSpan MaxDuration = WorkerOptions.MaxDuration;

    private readonly Option<TimeSpan?> _leaseDuration = CliOptions.Duration("--lease-duration", "Lease of a claimed job without heartbeat (default 30s)", hidden: true, max: MaxDuration);
    private readonly Option<TimeSpan?> _heartbeatInterval = CliOptions.Duration("--heartbeat-interval", "How often leases are extended (default 5s)", hidden: true, max: MaxInterval);
    private readonly Option<TimeSpan?> _pollInterval = CliOptions.Duration("--poll-interval", "Longest wait of a free slot before asking the store again (default 1s)", hidden: true, max: MaxInterval);
    private readonly Option<TimeSpan?> _shutdownTimeout = CliOptions.Duration("--shutdown-timeout", "On stop, how long running jobs may finish (default 30s)", hidden: true, max: MaxDuration);
    private readonly Option<TimeSpan?> _maintenanceInterval = CliOptions.Duration("--maintenance-interval", "How often the leader runs its chores (default 1s)", hidden: true, max: MaxInterval);
    private readonly Option<TimeSpan?> _leaderLeaseDuration = CliOptions.Duration("--leader-lease-duration", "Lease of the leadership; a new leader takes over within about this long (default 10s)", hidden: true, max: MaxDuration);
    private readonly Option<TimeSpan?> _nodeGrace = CliOptions.Duration("--node-grace", "How long a silent node stays in the registry (default 1m)", hidden: true, max: MaxDuration);
    private readonly Option<TimeSpan?> _cancelGrace = CliOptions.Duration("--cancel-grace", "How long a cancelled handler gets before it is abandoned (default 5s)", hidden: true, max: MaxDuration);

    public Command Build()
    {
        var command = new Command("worker", "Run a node that executes jobs (no web part); SIGINT/SIGTERM drain it")
        {
            _concurrency, _queues, _config, _name,
            _leaseDuration, _heartbeatInterval, _pollInterval, _shutdownTimeout, _maintenanceInterval, _cancelGrace,
            _leaderLeaseDuration, _nodeGrace,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var store = context.Store(parse);
        var worker = Options(parse);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "conveyor" });
        builder.Logging.AddConsole(o => o.FormatterName = CliLogFormatter.FormatterName)
            .AddConsoleFormatter<CliLogFormatter, CliLogFormatterOptions>(o =>
            {
                o.Width = context.Console.IsInteractive ? context.Console.Width : 0;
                o.Color = context.Console.IsInteractive;
            });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // The host logs a failed start with its stack trace; the CLI reports it in one line instead.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = worker.ShutdownTimeout + worker.CancelGrace + HostShutdownMargin);
        builder.Services.AddConveyor(o => StoreSelector.Apply(store, o)).AddBuiltInKinds().AddWorker(worker);

        using var host = builder.Build();
        // The node's own start line names the kind of store; this one says which, so a mistyped path shows at once.
        host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Conveyor.Cli.Worker")
            .LogInformation("Worker on store {Store}", store.Kind == StoreKind.Sqlite ? $"sqlite:{Path.GetFullPath(store.Target)}" : store.ToString());
        await host.RunAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>The node's options from the command line and config file, checked (a bad combination is a usage error).</summary>
    private WorkerOptions Options(ParseResult parse)
    {
        var concurrency = parse.GetResult(_concurrency) is null ? WorkerOptions.DefaultConcurrency : parse.GetValue(_concurrency);
        var options = new WorkerOptionsBuilder { Name = parse.GetValue(_name) };
        var config = parse.GetValue(_config) is { } path ? WorkerConfig.Load(path) : null;
        if (parse.GetValue(_queues) is { } spec)
        {
            foreach (var (queue, slots) in QueueSpec.Parse(spec)) options.Queue(queue, slots ?? concurrency);
        }
        else if (config is { Queues.Count: > 0 })
        {
            foreach (var (queue, slots) in config.Queues) options.Queue(queue, slots);
        }
        else
        {
            options.Queue(Validation.Names.DefaultQueue, concurrency);
        }
        options.LeaseDuration = parse.GetValue(_leaseDuration) ?? options.LeaseDuration;
        options.HeartbeatInterval = parse.GetValue(_heartbeatInterval) ?? options.HeartbeatInterval;
        options.PollInterval = parse.GetValue(_pollInterval) ?? options.PollInterval;
        options.ShutdownTimeout = parse.GetValue(_shutdownTimeout) ?? options.ShutdownTimeout;
        options.MaintenanceInterval = parse.GetValue(_maintenanceInterval) ?? options.MaintenanceInterval;
        options.CancelGrace = parse.GetValue(_cancelGrace) ?? options.CancelGrace;
        options.NodeGracePeriod = parse.GetValue(_nodeGrace) ?? options.NodeGracePeriod;
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

    /// <summary>The value of <paramref name="option"/> as typed, or the value in effect when it was not given.</summary>
    private static string Typed(ParseResult parse, Option option, TimeSpan value) =>
        parse.GetResult(option)?.Tokens is { Count: > 0 } tokens ? tokens[^1].Value : $"{Durations.Format(value)} by default";
}
