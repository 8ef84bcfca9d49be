using System.CommandLine;
using Conveyor.Cli.Parsing;
using Conveyor.Validation;

namespace Conveyor.Cli.Running;

/// <summary>
/// Words the core's <see cref="JobValidationException"/> the way the command line was typed: the field it names
/// (<see cref="JobValidationException.Field"/>) becomes the option that carried it (<c>maxAttempts</c> →
/// <c>--max-attempts</c>), and the value is echoed as typed (<c>0s</c>, not <c>00:00:00</c>).
/// </summary>
internal static class ValidationErrors
{
    public static UsageException Translate(ParseResult parse, JobValidationException e, IReadOnlyDictionary<string, Option> fields)
    {
        if (e.Rule is null || !fields.TryGetValue(e.Field, out var option)) return new UsageException(e.Reason);
        // A value is echoed where the core's rule shows one; the args by their size, never in full.
        var typed = e.Field == "args" ? null : parse.GetResult(option)?.Tokens is { Count: > 0 } tokens ? CliOptions.Echo(tokens[^1].Value) : null;
        var got = e.Got is null ? null : typed ?? e.Got;
        return new UsageException(got is null ? $"{option.Name} {e.Rule}" : $"{option.Name} {e.Rule} (got {got})");
    }
}
