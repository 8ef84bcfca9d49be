using System.CommandLine;
using Conveyor.Cli.Commands;
using Conveyor.Cli.Output;
using Conveyor.Cli.Stores;

namespace Conveyor.Cli.Running;

/// <summary>
/// The <c>conveyor</c> command: builds the command tree, parses, runs the chosen command and maps every
/// outcome to an exit code (0 ok, 1 failed operation, 2 bad usage) with at most one line on stderr.
/// </summary>
internal sealed class CliApplication(CliConsole console, bool debug)
{
    private const string StoreOptionName = "--store";

    public async Task<int> RunAsync(string[] args)
    {
        var errors = new ErrorReporter(console.Error, debug);
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would print every error and the help; a script wants the first error, once.
            var command = string.Join(' ', ParseErrors.CommandPath(parse.CommandResult.Command));
            errors.Line($"{ParseErrors.Describe(parse)} (see '{command} --help')");
            return ExitCodes.Usage;
        }
        // Before anything is awaited: the runtime reads this setting when the thread pool first runs work.
        if (InvokedStore(parse) is { } store)
            ThreadPoolSpin.Configure(store);

        using var signal = new ShutdownSignal();
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                // Signals are handled by ShutdownSignal (and the worker's host), which let commands stop cleanly;
                // System.CommandLine's own handler would end the process after a fixed time.
                ProcessTerminationTimeout = null,
            }, signal.Token);
        }
        catch (Exception e)
        {
            return errors.Report(e, signal.Received);
        }
    }

    /// <summary>
    /// A plain command named <c>conveyor</c> rather than <see cref="RootCommand"/>, which takes its name from the
    /// program file (<c>Conveyor.Cli</c>) and would show that in the help.
    /// </summary>
    private Command BuildRoot()
    {
        var store = new Option<string?>(StoreOptionName)
        {
            Description = $"The store: sqlite:PATH (default {StoreUrl.Default}), memory:, postgres://user:pass@host:port/db; or set {StoreSelector.EnvironmentVariable}",
            HelpName = "STORE",
            Recursive = true,
        };
        var context = new CliContext(store, console);
        var root = new Command("conveyor", "Conveyor: a distributed background-job queue and dispatcher")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
            store,
            new WorkerCommand(context).Build(),
            new ServeCommand(context).Build(),
            new EnqueueCommand(context).Build(),
            new JobsCommand(context).Build(),
            new BatchesCommand(context).Build(),
            new QueuesCommand(context).Build(),
            new NodesCommand(context).Build(),
            new CronCommand(context).Build(),
            new MigrateCommand(context).Build(),
            new DemoCommand(context).Build(),
            new BenchCommand(context).Build(),
            new SoakCommand(context).Build(),
        };
        return root;
    }

    /// <summary>The store this invocation names, or null when it does not parse (the command itself reports that).</summary>
    private static StoreUrl? InvokedStore(ParseResult parse)
    {
        try
        {
            return StoreSelector.Resolve(parse.GetValue<string?>(StoreOptionName));
        }
        catch (UsageException)
        {
            return null;
        }
    }
}
