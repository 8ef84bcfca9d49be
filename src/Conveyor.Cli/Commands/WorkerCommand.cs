using System.CommandLine;
using Conveyor.Cli.Config;
using Conveyor.Cli.Kinds;
using Conveyor.Cli.Running;
using Conveyor.Cli.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor worker</c>: a node without the web part, run by the .NET Generic Host, so SIGINT and SIGTERM
/// stop it gracefully (stop claiming, drain for the shutdown timeout, put unfinished jobs back).
/// It runs the built-in <c>conveyor.*</c> kinds.
/// </summary>
internal sealed class WorkerCommand(CliContext context)
{
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
        NodeHosting.Configure(builder, context.Console, worker);
        Config.QueueLimitsAtStart.Add(builder.Services, _node.Config(parse)?.Limits);
        builder.Services.AddConveyor(o => StoreSelector.Apply(store, o)).AddBuiltInKinds()
            .AddConfigured(_node.Config(parse), _node.ConfigPath(parse)).AddWorker(worker);

        using var host = builder.Build();
        // The node's own start line names the kind of store; this one says which, so a mistyped path shows at once.
        host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Conveyor.Cli.Worker")
            .LogInformation("Worker on store {Store}", store.Kind == StoreKind.Sqlite ? $"sqlite:{Path.GetFullPath(store.Target)}" : store.ToString());
        await host.RunAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
