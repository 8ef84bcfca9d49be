using System.CommandLine;
using System.Globalization;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Cli.Soak;
using Conveyor.Cli.Stores;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor soak [--minutes N]</c>: mixed load on the store for N minutes while its own <c>conveyor worker</c> children are
/// killed (SIGKILL) and restarted at random, and PostgreSQL is restarted when told how; then the invariants are checked and
/// reported on one screen. Exit 0 when every invariant held, 1 when one broke.
/// </summary>
internal sealed class SoakCommand(CliContext context)
{
    private readonly Option<double> _minutes = new("--minutes") { Description = "How long the load runs (default 5)", DefaultValueFactory = _ => 5 };
    private readonly Option<int> _workers = CliOptions.Number("--workers", "Worker processes (default 3)", 1, 32);
    private readonly Option<int> _concurrency = CliOptions.Number("--concurrency", "Slots of each worker (default 8)", 1, 1000);
    private readonly Option<int> _rate = CliOptions.Number("--rate", "Jobs enqueued per second (default 40)", 1, 100_000);
    private readonly Option<TimeSpan?> _killEvery = CliOptions.Duration("--kill-every", "Mean time between two kill -9 of a worker (default 10s)");
    private readonly Option<string?> _pgRestartCommand = new("--pg-restart-command")
        { Description = "A shell command that restarts the PostgreSQL server (run every --pg-restart-every)", HelpName = "CMD" };
    private readonly Option<string?> _pgData = new("--pg-data")
        { Description = "The server's data folder: restart it with pg_ctl -D DIR -m fast restart (as the folder's owner)", HelpName = "DIR" };
    private readonly Option<TimeSpan?> _pgRestartEvery = CliOptions.Duration("--pg-restart-every", "Mean time between two PostgreSQL restarts (default 60s)");
    private readonly Option<int?> _seed = CliOptions.OptionalNumber("--seed", "Seed of the random choices (default: random)", int.MinValue, int.MaxValue);

    public Command Build()
    {
        var command = new Command("soak", "Mixed load with worker kills (and PostgreSQL restarts), then an invariant check; exit 1 when one broke")
        {
            _minutes, _workers, _concurrency, _rate, _killEvery, _pgRestartCommand, _pgData, _pgRestartEvery, _seed,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var store = context.Store(parse);
        if (store.Kind == StoreKind.Memory) throw new UsageException("soak needs a store that worker processes share: sqlite:PATH or PostgreSQL");
        var minutes = parse.GetValue(_minutes);
        if (!(minutes > 0 && minutes <= 24 * 60)) throw new UsageException($"--minutes must be more than 0 and at most 1440 (got {minutes.ToString(CultureInfo.InvariantCulture)})");
        var restartCommand = RestartCommand(parse, store);
        var seed = parse.GetValue(_seed) ?? Random.Shared.Next();
        var settings = new SoakSettings
        {
            Duration = TimeSpan.FromMinutes(minutes),
            Workers = parse.GetResult(_workers) is null ? 3 : parse.GetValue(_workers),
            Concurrency = parse.GetResult(_concurrency) is null ? 8 : parse.GetValue(_concurrency),
            JobsPerSecond = parse.GetResult(_rate) is null ? 40 : parse.GetValue(_rate),
            KillEvery = parse.GetValue(_killEvery) ?? TimeSpan.FromSeconds(10),
            PostgresRestartCommand = restartCommand,
            PostgresRestartEvery = restartCommand is null ? null : parse.GetValue(_pgRestartEvery) ?? TimeSpan.FromSeconds(60),
            Seed = seed,
            RunId = Guid.NewGuid().ToString("N")[..8],
        };

        var output = context.Console.Out;
        await using var session = context.Open(parse);
        await session.Monitor.MigrateAsync(cancellationToken);
        var ledger = new SoakLedger();
        var random = new Random(seed);
        var audit = new SoakAudit(session.Client, settings, ledger);
        var started = DateTimeOffset.UtcNow;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"soak {settings.RunId}: {minutes:0.##} min on {store}, {settings.Workers} workers × {settings.Concurrency} slots, {settings.JobsPerSecond} jobs/s, seed {seed}"));

        await using (var workers = new SoakWorkers(WorkerStore(store), settings, ledger, new Random(random.Next())))
        {
            workers.StartAll();
            using (var load = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                load.CancelAfter(settings.Duration);
                var restarter = restartCommand is null ? null : new PostgresRestarter(restartCommand, settings.PostgresRestartEvery!.Value, ledger, new Random(random.Next()));
                var tasks = new List<Task>
                {
                    new SoakLoad(session.Client, settings, ledger, new Random(random.Next())).RunAsync(load.Token),
                    workers.KillRandomlyAsync(load.Token),
                    audit.SampleAsync(load.Token),
                };
                if (restarter is not null) tasks.Add(restarter.RunAsync(load.Token));
                await Task.WhenAll(tasks);
                foreach (var failure in restarter?.Failures ?? []) audit.Break(SoakAudit.Lost, failure);
            }
            cancellationToken.ThrowIfCancellationRequested();
            // The workers that are left finish what remains (retries, scheduled jobs, rescued leases) before the check.
            await output.WriteLineAsync("load stopped; waiting for the last jobs to finish");
            await audit.DrainAsync(session.Monitor, TimeSpan.FromSeconds(120), cancellationToken);
            foreach (var crash in workers.Crashed()) audit.Break(SoakAudit.Lost, crash);
        }
        await audit.CheckAsync(cancellationToken);
        SoakReport.Write(output, settings, ledger, audit, DateTimeOffset.UtcNow - started);
        return audit.Broken.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>The restart command: <c>--pg-restart-command</c>, or pg_ctl on <c>--pg-data</c>; only for PostgreSQL.</summary>
    private string? RestartCommand(ParseResult parse, StoreUrl store)
    {
        var command = parse.GetValue(_pgRestartCommand);
        var data = parse.GetValue(_pgData);
        if (command is null && data is null) return null;
        if (store.Kind != StoreKind.Postgres) throw new UsageException("--pg-restart-command and --pg-data need a PostgreSQL store");
        if (command is not null && data is not null) throw new UsageException("give --pg-restart-command or --pg-data, not both");
        if (command is not null) return command;
        if (!Directory.Exists(data)) throw new UsageException($"--pg-data: no folder {data}");
        // pg_ctl refuses to run as root: run it as the owner of the data folder then.
        var quoted = "'" + data!.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        return $"pg=$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -n 1); " +
               $"if [ \"$(id -u)\" = 0 ]; then runuser -u \"$(stat -c %U {quoted})\" -- \"$pg\" -D {quoted} -m fast -w -t 60 restart; " +
               $"else \"$pg\" -D {quoted} -m fast -w -t 60 restart; fi >/dev/null";
    }

    /// <summary>The store as the workers' CONVEYOR_STORE: an SQLite path made absolute (they may run elsewhere).</summary>
    private static string WorkerStore(StoreUrl store) =>
        store.Kind == StoreKind.Sqlite ? $"sqlite:{Path.GetFullPath(store.Target)}" : store.Target;
}
