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

    private readonly NodeOptionSet _node = new();

    public Command Build()
    {
        var command = new Command("worker", "Run a node that executes jobs (no web part); SIGINT/SIGTERM drain it");
        _node.AddTo(command);
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var store = context.Store(parse);
        var worker = _node.Build(parse);

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
}
