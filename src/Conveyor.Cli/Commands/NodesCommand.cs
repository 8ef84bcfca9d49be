using System.CommandLine;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Serialization;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor nodes</c>: live nodes with their slots, the leader marked.</summary>
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
        command.Add(UnavailableCommand.Build("stop", "conveyor nodes stop"));
        return command;
    }
}
