using System.CommandLine;
using Conveyor.Cli.Running;

namespace Conveyor.Cli.Commands;

/// <summary>
/// A command that the docs of later builds name but this build lacks (<c>batches</c>, <c>nodes stop</c>):
/// hidden from the help, it takes whatever follows and says plainly that it is not here yet (exit 2), where the
/// parser would say "Unrecognized command".
/// </summary>
internal static class UnavailableCommand
{
    public static Command Build(string name, string path)
    {
        var rest = new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(name) { Hidden = true, TreatUnmatchedTokensAsErrors = false };
        command.Add(rest);
        command.SetAction(int (_) => throw new UsageException($"'{path}' is not available in this build yet"));
        return command;
    }
}
