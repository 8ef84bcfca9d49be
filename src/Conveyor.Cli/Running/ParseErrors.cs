using System.CommandLine;
using System.CommandLine.Parsing;

namespace Conveyor.Cli.Running;

/// <summary>
/// The parser's first complaint in the CLI's own words: the word as typed, the option with its dashes, and what was
/// expected ("enqueue needs KIND", "--delay needs a value (DURATION)"), instead of the parser's generic sentences.
/// The options' own checks (numbers, durations, times) already speak this way and are passed on as they are.
/// </summary>
internal static class ParseErrors
{
    public static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = string.Join(' ', CommandPath(command));
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            if (token.StartsWith('-')) return $"unknown option '{token}' for '{path}'";
            return command.Subcommands.Any(c => !c.Hidden) && command.Arguments.Count == 0
                ? $"unknown command '{token}' for '{path}': use one of {Names(command)}"
                : $"unexpected argument '{token}' for '{path}'";
        }
        var error = parse.Errors[0];
        switch (error.SymbolResult)
        {
            case OptionResult option when option.Tokens.Count == 0 && !option.Implicit:
                return $"{option.Option.Name} needs a value ({HelpName(option.Option)})";
            case CommandResult result when result.Command.Subcommands.Any(c => !c.Hidden) && result.Command.Action is null:
                return $"'{path}' needs a command: {Names(result.Command)}";
            case ArgumentResult argument when argument.Tokens.Count == 0 && argument.Argument.Arity.MinimumNumberOfValues > 0:
                return argument.Parent is OptionResult owner
                    ? $"{owner.Option.Name} needs a value ({HelpName(owner.Option)})"
                    : $"'{path}' needs {argument.Argument.Name}";
            default:
                return error.Message;
        }
    }

    private static string HelpName(Option option) => option.HelpName ?? option.Name.TrimStart('-').ToUpperInvariant();

    private static string Names(Command command) => string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));

    /// <summary>The words that name <paramref name="command"/>, from <c>conveyor</c> on.</summary>
    public static IEnumerable<string> CommandPath(Command command)
    {
        var names = new Stack<string>();
        for (Symbol? symbol = command; symbol is not null; symbol = symbol.Parents.FirstOrDefault())
            names.Push(symbol.Name);
        return names;
    }
}
