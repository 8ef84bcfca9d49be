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

    /// <summary>
    /// An option holding a whole number within <paramref name="min"/>…<paramref name="max"/>; anything else is a parse
    /// error (exit 2) that names the option and echoes the value as typed.
    /// </summary>
    public static Option<T> Number<T>(string name, string description, T min, T max, string helpName = "N")
        where T : struct, System.Numerics.IBinaryInteger<T> => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result => ParseNumber(result, name, min, max),
    };

    /// <summary>The nullable form of <see cref="Number{T}"/>: null when the option is not given.</summary>
    public static Option<T?> OptionalNumber<T>(string name, string description, T min, T max, string helpName = "N")
        where T : struct, System.Numerics.IBinaryInteger<T> => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result => ParseNumber(result, name, min, max),
    };

    private static T ParseNumber<T>(System.CommandLine.Parsing.ArgumentResult result, string name, T min, T max)
        where T : struct, System.Numerics.IBinaryInteger<T>
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!T.TryParse(token, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{name} must be a whole number (got {Echo(token)})");
            return default;
        }
        if (value < min || value > max)
        {
            result.AddError($"{name} must be between {min} and {max} (got {Echo(token)})");
            return default;
        }
        return value;
    }

    /// <summary>A value as the user typed it, quoted when it would not read as one word (empty, or with spaces).</summary>
    public static string Echo(string typed) => typed.Length == 0 || typed.Any(char.IsWhiteSpace) ? $"'{typed}'" : typed;

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

    /// <summary>A job id argument (a positive 64-bit integer); <paramref name="noun"/> names what it identifies.</summary>
    public static Argument<long> JobId(string noun = "job") => new("ID")
    {
        Description = $"The {noun}'s id",
        CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (long.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0)
                return id;
            result.AddError($"bad {noun} id {Echo(token)}: ids are whole numbers from 1");
            return 0;
        },
    };
}
