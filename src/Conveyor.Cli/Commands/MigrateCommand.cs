using System.CommandLine;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor migrate</c>: create or upgrade the store's schema (every command also does it on first use).</summary>
internal sealed class MigrateCommand(CliContext context)
{
    public Command Build()
    {
        var command = new Command("migrate", "Create or upgrade the store's schema");
        command.SetAction(async (parse, ct) =>
        {
            await using var session = context.Open(parse);
            await session.Monitor.MigrateAsync(ct);
            context.Console.Out.WriteLine($"schema up to date: {session.Url}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
