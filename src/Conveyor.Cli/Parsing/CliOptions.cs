using System.CommandLine;

namespace Conveyor.Cli.Parsing;

/// <summary>Builds the options that several commands share, so their spelling and parsing agree everywhere.</summary>
internal static class CliOptions
{
    /// <summary>
    /// An option holding a duration (<see cref="Durations"/>); a bad value, or one longer than <paramref name="max"/>
    /// when given, is a parse error (exit 2) reported before the command does anything.
    /// </summary>
    public static Option<TimeSpan?> Duration(string name, string description, bool hidden = false, TimeSpan? max = null) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        Hidden = hidden,
        CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (!Durations.TryParse(token, out var value))
            {
                result.AddError($"bad duration '{token}' for {name}: {Durations.Forms}");
                return null;
            }
            if (max is { } limit && value > limit)
            {
                result.AddError($"{name} must be at most {Durations.Format(limit)} (got {token})");
                return null;
            }
            return value;
        },
    };

    /// <summary>An option holding an ISO-8601 time (<see cref="Times"/>).</summary>
    public static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "TIME",
        CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (Times.TryParse(token, out var value)) return value;
            result.AddError($"bad time '{token}' for {name}: {Times.Forms}");
            return null;
        },
    };

    /// <summary><c>--json</c>: print the HTTP API's JSON body instead of a table.</summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print the JSON body the HTTP API answers for the same question",
    };

    /// <summary>A job id argument (a positive 64-bit integer).</summary>
    public static Argument<long> JobId() => new("ID")
    {
        Description = "The job's id",
        Validators =
        {
            result =>
            {
                if (result.Tokens.Count == 1 && long.TryParse(result.Tokens[0].Value, out var id) && id <= 0)
                    result.AddError($"bad job id '{result.Tokens[0].Value}': ids are positive integers");
            },
        },
    };
}
