using System.CommandLine;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Serialization;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor nodes</c>: live nodes with their slots, the leader and stopping ones marked; <c>nodes stop NAME</c> asks one to drain and exit.</summary>
internal sealed class NodesCommand(CliContext context)
{
    public Command Build()
    {
        var json = CliOptions.Json();
        var command = new Command("nodes", "List live nodes: name, host, pid, started, last heartbeat, busy/total slots, leader") { json };
        command.SetAction(async (parse, ct) =>
        {
            await using var session = context.OpenExisting(parse);
            var nodes = await session.Monitor.ListNodesAsync(ct);
            if (parse.GetValue(json)) JsonOutput.Write(context.Console, w => ApiJson.WriteNodes(w, nodes));
            else HumanOutput.Nodes(context.Console, nodes);
            return ExitCodes.Ok;
        });
        command.Add(BuildStop());
        return command;
    }

    private Command BuildStop()
    {
        var name = new Argument<string>("NAME") { Description = "The node's name, as `conveyor nodes` shows it" };
        var command = new Command("stop", "Ask a live node, through the store, to drain and exit (as on SIGTERM); it shows as stopping until it has left") { name };
        command.SetAction(async (parse, ct) =>
        {
            var node = parse.GetValue(name)!;
            if (string.IsNullOrWhiteSpace(node)) throw new UsageException("NAME must be a node's name, as `conveyor nodes` shows it (got a blank one)");
            await using var session = context.OpenExisting(parse);
            if (!await session.Monitor.StopNodeAsync(node, ct)) throw new OperationFailedException($"no live node is named '{node}' (see conveyor nodes)");
            context.Console.Out.WriteLine($"asked node {node} to stop; it drains and exits after its next heartbeat");
            return ExitCodes.Ok;
        });
        return command;
    }
}
