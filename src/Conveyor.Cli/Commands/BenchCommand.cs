using System.CommandLine;
using System.Text.Json;
using Conveyor.Bench;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;
using Spectre.Console;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor bench</c>: parses its options and runs the measures of bench/Conveyor.Bench (enqueue_single,
/// enqueue_bulk, process, latency) on fresh stores of the chosen kind. A progress bar on a terminal; one line,
/// or one JSON object with <c>--json</c>, per measure.
/// </summary>
internal sealed class BenchCommand(CliContext context)
{
    private readonly Option<int> _jobs = new("--jobs") { Description = "N: jobs per measure (default 20000)", HelpName = "N", DefaultValueFactory = _ => 20_000 };
    private readonly Option<int> _concurrency = new("--concurrency")
    {
        Description = "C: parallel callers of enqueue_single and worker slots of the node (default 16)",
        HelpName = "C",
        DefaultValueFactory = _ => 16,
    };
    private readonly Option<string?> _measures = new("--measure")
    {
        Description = "Measures to take, comma-separated: enqueue_single, enqueue_bulk, process, latency (default all)",
        HelpName = "M,…",
    };
    private readonly Option<int> _latencyJobs = new("--latency-jobs") { Description = "Jobs of the latency measure (default 200)", HelpName = "N", DefaultValueFactory = _ => 200 };
    private readonly Option<int> _nodes = new("--nodes")
    {
        Description = "Run the process measure on K node processes (scale-out) instead of one in-process node",
        HelpName = "K",
    };
    private readonly Option<int> _runs = new("--runs")
    {
        Description = "Take each measure R times and report the median with its range (default 1)",
        HelpName = "R",
        DefaultValueFactory = _ => 1,
    };
    private readonly Option<bool> _json = new("--json") { Description = "One JSON object per measure, one per line" };

    public Command Build()
    {
        var command = new Command("bench", "Measure this store's throughput and latency (fresh file/schema per measure)")
        {
            _jobs, _concurrency, _measures, _latencyJobs, _nodes, _runs, _json,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var store = context.Store(parse);
        if (!BenchMeasureNames.TryParseList(parse.GetValue(_measures), out var measures, out var unknown))
            throw new UsageException($"bad measure '{unknown}' for --measure: use enqueue_single, enqueue_bulk, process or latency");
        var options = new BenchOptions
        {
            Jobs = parse.GetValue(_jobs),
            Concurrency = parse.GetValue(_concurrency),
            LatencyJobs = parse.GetValue(_latencyJobs),
            Measures = measures,
            Nodes = parse.GetValue(_nodes),
            Runs = parse.GetValue(_runs),
        };
        if (options.Nodes > 0 && store.Kind == StoreKind.Memory)
            throw new UsageException("--nodes needs a store that node processes can share (sqlite: or postgres://), not memory:");
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"bad bench settings: {e.Message.Split(" (Parameter")[0]}");
        }
        var json = parse.GetValue(_json);
        var stores = store.Kind switch
        {
            StoreKind.Memory => BenchStores.Memory(),
            StoreKind.Sqlite => BenchStores.SqliteBeside(store.Target),
            StoreKind.Postgres => BenchStores.Postgres(StoreSelector.Postgres(store), serverOnThisMachine: LocalPostgres.Is(store)),
            _ => throw new InvalidOperationException($"unknown store kind {store.Kind}"),
        };
        var launcher = new ProcessNodeLauncher(typeof(BenchCommand).Assembly.Location);

        if (!json && context.Console.IsInteractive)
        {
            await context.Console.Ansi.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var tasks = options.Measures.ToDictionary(m => m, m => progress.AddTask(m.Name(), autoStart: false, maxValue: 1));
                    var runner = new BenchRunner(stores.CreateAsync, options, launcher: launcher, progress: new Progress<BenchProgress>(p =>
                    {
                        var task = tasks[p.Measure];
                        if (!task.IsStarted) task.StartTask();
                        task.Description = $"{p.Measure.Name()}: {p.Stage}";
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    }));
                    await foreach (var result in runner.RunAsync(cancellationToken))
                    {
                        var task = tasks[Parse(result.Measure)];
                        task.Description = result.ToLine();
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                });
            return ExitCodes.Ok;
        }

        var plain = new BenchRunner(stores.CreateAsync, options, launcher: launcher);
        await foreach (var result in plain.RunAsync(cancellationToken))
        {
            context.Console.Out.WriteLine(json ? JsonSerializer.Serialize(result) : result.ToLine());
            await context.Console.Out.FlushAsync(cancellationToken);
        }
        return ExitCodes.Ok;
    }

    private static BenchMeasure Parse(string name) => BenchMeasureNames.TryParse(name, out var measure) ? measure : throw new InvalidOperationException(name);
}
