using System.CommandLine;
using System.Text.Json;
using Conveyor.Bench;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;
using Spectre.Console;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor bench</c>: throughput and latency of the chosen store (enqueue_single, enqueue_bulk, process,
/// latency), each on a fresh file or schema that is removed afterwards. A progress bar on a terminal; one
/// JSON line per measure with <c>--json</c>.
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
        var options = new BenchOptions
        {
            Jobs = parse.GetValue(_jobs),
            Concurrency = parse.GetValue(_concurrency),
            LatencyJobs = parse.GetValue(_latencyJobs),
            Measures = ParseMeasures(parse.GetValue(_measures)),
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
        var stores = new BenchStores(store);
        var launcher = new Benchmarks.ProcessNodeLauncher();

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
                        task.Description = Describe(result);
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                });
            return ExitCodes.Ok;
        }

        var plain = new BenchRunner(stores.CreateAsync, options, launcher: launcher);
        await foreach (var result in plain.RunAsync(cancellationToken))
        {
            context.Console.Out.WriteLine(json ? JsonSerializer.Serialize(result) : Describe(result));
            await context.Console.Out.FlushAsync(cancellationToken);
        }
        return ExitCodes.Ok;
    }

    private static IReadOnlyList<BenchMeasure> ParseMeasures(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return BenchMeasureNames.All;
        var measures = new List<BenchMeasure>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!BenchMeasureNames.TryParse(name, out var measure))
                throw new UsageException($"bad measure '{name}' for --measure: use enqueue_single, enqueue_bulk, process or latency");
            if (!measures.Contains(measure)) measures.Add(measure);
        }
        return measures;
    }

    private static BenchMeasure Parse(string name) => BenchMeasureNames.TryParse(name, out var measure) ? measure : throw new InvalidOperationException(name);

    private static string Describe(BenchResult r)
    {
        var rate = r.JobsPerSecond is { } perSecond ? $"{perSecond,12:N0} jobs/s" : "";
        if (r.JobsPerSecondMin is { } low && r.JobsPerSecondMax is { } high) rate += $" ({low:N0}–{high:N0})";
        var percentiles = r.P50Milliseconds is { } p50 ? $"  p50 {p50:0.###} ms  p99 {r.P99Milliseconds:0.###} ms" : "";
        if (r.P50MillisecondsMin is { } p50Low) percentiles += $" (p50 {p50Low:0.###}–{r.P50MillisecondsMax:0.###}, p99 {r.P99MillisecondsMin:0.###}–{r.P99MillisecondsMax:0.###})";
        if (r.Runs > 1) percentiles += $"  median of {r.Runs}";
        var measure = r.Nodes is { } nodes ? $"{r.Measure}×{nodes}" : r.Measure;
        var cpu = (r.NodeCpuMicrosecondsPerJob, r.ServerCpuMicrosecondsPerJob) switch
        {
            ({ } node, { } server) => $", CPU per job: node {node:0.#} µs, server {server:0.#} µs",
            ({ } node, null) => $", CPU per job {node:0.#} µs",
            (null, { } server) => $", server CPU per job {server:0.#} µs",
            _ => "",
        };
        return $"{measure,-15} {r.Store,-8} {r.Jobs,8:N0} jobs  c={r.Concurrency,-3} {rate}{percentiles}  ({r.Seconds:0.###} s, peak {r.PeakMegabytes:0} MB{cpu})";
    }
}
