using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Conveyor.Cli.Demo;
using Conveyor.Cli.Kinds;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor demo</c>: a node on <c>sqlite:conveyor-demo.db</c> (or <c>--store</c>) with sample kinds, jobs
/// enqueued continuously for <c>--duration</c> (default 20 s) or until Ctrl+C, a live view, then a summary.
/// </summary>
internal sealed class DemoCommand(CliContext context)
{
    /// <summary>The demo's own database, started afresh on every run (CONVEYOR_STORE is ignored on purpose: a demo must not write into a real store).</summary>
    public const string DefaultStore = "sqlite:conveyor-demo.db";

    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PlainRefresh = TimeSpan.FromSeconds(1);
    private const int RunningShown = 6;

    /// <summary>
    /// The longest <c>--duration</c>: a demo is something to watch, and the bound keeps the producer's timer within
    /// what a timer can hold (about 49 days). Checked while parsing, so a refused value leaves conveyor-demo.db alone.
    /// </summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    private readonly Option<TimeSpan?> _duration = CliOptions.Duration("--duration",
        $"How long to enqueue sample jobs (default {Durations.Format(DefaultDuration)}, at most {Durations.Format(MaxDuration)})", max: MaxDuration);

    public Command Build()
    {
        var command = new Command("demo", "See Conveyor work: a node on sqlite:conveyor-demo.db with sample jobs flowing, live") { _duration };
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var duration = parse.GetValue(_duration) ?? DefaultDuration;
        if (duration <= TimeSpan.Zero) throw new UsageException("--duration must be more than 0");
        var chosen = parse.GetValue(context.StoreOption);
        var store = StoreUrl.Parse(chosen ?? DefaultStore);
        var console = context.Console;
        if (chosen is null) StartAfresh(store.Target);

        var events = new DemoEvents();
        var services = new ServiceCollection();
        services.AddSingleton(events);
        services.AddConveyor(o => StoreSelector.Apply(store, o))
            .AddBuiltInKinds()
            .AddDemoKinds()
            .UseMiddleware<DemoEventMiddleware>()
            .AddWorker(w =>
            {
                w.Queue(Validation.Names.DefaultQueue, 8).Queue(DemoKinds.ReportsQueue, 2);
                // Short backoff so that the failed first attempts are seen retried within the demo.
                w.Retry = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };
                w.ShutdownTimeout = TimeSpan.FromSeconds(3);
                w.PollInterval = TimeSpan.FromMilliseconds(250);
            });
        await using var provider = services.BuildServiceProvider();
        var server = provider.GetRequiredService<JobServer>();
        var client = provider.GetRequiredService<JobClient>();
        var monitor = provider.GetRequiredService<JobMonitor>();
        var view = new DemoView($"store {store} · node {server.NodeName}", duration);
        var clock = Stopwatch.StartNew();

        await server.StartAsync(cancellationToken);
        using var producing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        producing.CancelAfter(duration);
        var producer = new DemoProducer(client, events).RunAsync(producing.Token);

        async Task<DemoSnapshot> SnapshotAsync(bool stopping)
        {
            var queues = await monitor.ListQueuesAsync(CancellationToken.None);
            var counts = JobStates.All.ToDictionary(s => s, s => queues.Sum(q => q.Counts.TryGetValue(s, out var n) ? n : 0));
            var running = await client.ListAsync(new JobQuery { State = JobState.Running, Limit = RunningShown }, CancellationToken.None);
            return new DemoSnapshot(clock.Elapsed, counts, running.Jobs, events.Recent(), stopping);
        }

        async Task ShowAsync(Action<DemoSnapshot> show)
        {
            while (!producing.IsCancellationRequested)
            {
                show(await SnapshotAsync(stopping: false));
                try
                {
                    await Task.Delay(console.IsInteractive ? Refresh : PlainRefresh, producing.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            show(await SnapshotAsync(stopping: true));
        }

        // Stops enqueuing, waits for the producer and drains the node; safe to call twice.
        async Task FinishAsync()
        {
            await producing.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
                // The duration ran out or Ctrl+C: either way the producer is done.
            }
            await server.StopAsync(CancellationToken.None);
        }

        try
        {
            if (console.IsInteractive)
            {
                await console.Ansi.Live(new Text("starting…")).AutoClear(false).StartAsync(async live =>
                {
                    await ShowAsync(s =>
                    {
                        live.UpdateTarget(view.Render(s, console.Width, console.Height));
                        live.Refresh();
                    });
                    await FinishAsync();
                    live.UpdateTarget(view.Render(await SnapshotAsync(stopping: false), console.Width, console.Height));
                });
            }
            else
            {
                console.Out.WriteLine(view.Start());
                await ShowAsync(s =>
                {
                    foreach (var line in view.Lines(s)) console.Out.WriteLine(line);
                });
            }
        }
        finally
        {
            // Whatever happened above, neither the producer nor the node may outlive the command.
            await FinishAsync();
        }

        var final = await SnapshotAsync(stopping: false);
        Summary(final, clock.Elapsed, events, store, chosen is null);
        return ExitCodes.Ok;
    }

    /// <summary>Removes the previous demo's database so that the counts are this run's.</summary>
    private static void StartAfresh(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new OperationFailedException($"cannot start the demo afresh: {file} is in use ({e.Message})");
            }
        }
    }

    private void Summary(DemoSnapshot final, TimeSpan elapsed, DemoEvents events, StoreUrl store, bool defaultStore)
    {
        var console = context.Console;
        long Count(JobState s) => final.Counts.TryGetValue(s, out var n) ? n : 0;
        var totals = events.TotalsByKind();
        var enqueued = totals.Sum(t => t.Value.Enqueued);
        console.Out.WriteLine();
        var failed = totals.Sum(t => t.Value.Failed);
        console.WriteProse(string.Create(CultureInfo.InvariantCulture,
            $"Demo finished after {elapsed.TotalSeconds:0.0} s on {store}: {HumanOutput.Count(enqueued, "job")} enqueued, {Count(JobState.Succeeded)} succeeded, " +
            $"{HumanOutput.Count(failed, "failed attempt")} retried or dead ({Count(JobState.Dead)} dead), " +
            $"{HumanOutput.Count(Count(JobState.Available) + Count(JobState.Retrying) + Count(JobState.Scheduled), "job")} left for the next node."));
        var table = new Table().Border(TableBorder.Simple).AddColumn("KIND")
            .AddColumn(new TableColumn("ENQUEUED").RightAligned()).AddColumn(new TableColumn("SUCCEEDED").RightAligned())
            .AddColumn(new TableColumn("FAILED ATTEMPTS").RightAligned());
        foreach (var (kind, t) in totals)
            table.AddRow(new Text(kind), new Text(t.Enqueued.ToString(CultureInfo.InvariantCulture)),
                new Text(t.Succeeded.ToString(CultureInfo.InvariantCulture)), new Text(t.Failed.ToString(CultureInfo.InvariantCulture)));
        console.Write(table);
        // The store once, in an export, keeps each suggested command within 80 columns.
        console.Out.WriteLine("The jobs stay in the store. Look around:");
        console.Out.WriteLine($"  export CONVEYOR_STORE={(defaultStore ? DefaultStore : $"'{store}'")}");
        console.Out.WriteLine("  ./conveyor jobs list");
        console.Out.WriteLine($"  ./conveyor jobs list --state succeeded --kind {DemoKinds.BuildReport}");
        console.Out.WriteLine("  ./conveyor queues");
    }
}
