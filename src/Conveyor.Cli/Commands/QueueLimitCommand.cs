using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Validation;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor queues limit Q [--global N|none] [--rate N/PERIOD|none] [--ordered true|false] [--max-backlog N|none]
/// [--create]</c>: changes the limits it names and keeps the others.
/// </summary>
internal sealed class QueueLimitCommand(CliContext context)
{
    /// <summary>A limit option's value: unchanged (not given), none, or a value.</summary>
    private readonly record struct Change<T>(bool Given, T? Value);

    public Command Build()
    {
        var queue = new Argument<string>("Q") { Description = "The queue" };
        var global = Limit<int?>("--global", "Never more than N jobs of the queue running across all nodes", "N|none",
            token => long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= QueueLimits.MaxGlobalLimit
                ? ((int?)(int)n, null)
                : (null, $"--global must be a whole number 1–{QueueLimits.MaxGlobalLimit} or none (got {CliOptions.Echo(token)})"));
        var rate = Limit<RateLimit?>("--rate", "At most N job starts in any window of PERIOD across all nodes (100/1m, 50/1s)", "N/PERIOD|none",
            token => RateLimit.TryParse(token, out var error) is { } limit ? (limit, null) : (null, $"--rate: {error}"));
        var backlog = Limit<long?>("--max-backlog", "Refuse enqueues beyond N jobs waiting (available, scheduled, retrying, waiting)", "N|none",
            token => long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= QueueLimits.MaxMaxBacklog
                ? ((long?)n, null)
                : (null, $"--max-backlog must be a whole number 1–{QueueLimits.MaxMaxBacklog} or none (got {CliOptions.Echo(token)})"));
        // A string, not a bool: a bool option is a flag, and "--ordered yes" would leave "yes" as a stray argument.
        var ordered = new Option<string?>("--ordered")
        {
            Description = "One job at a time cluster-wide, in enqueue order",
            HelpName = "true|false",
            CustomParser = result =>
            {
                var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                if (token is "true" or "false") return token;
                result.AddError($"--ordered must be true or false (got {CliOptions.Echo(token)})");
                return null;
            },
        };
        var create = new Option<bool>("--create") { Description = "Limit a queue that no job and no node has used yet (a name not seen before is refused as a likely typo)" };
        var command = new Command("limit", "Set a queue's cluster-wide limits (the ones named; the others stay)") { queue, global, rate, ordered, backlog, create };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetRequiredValue(queue);
            Names.EnsureQueue(name);
            var globalChange = Given(parse, global);
            var rateChange = Given(parse, rate);
            var backlogChange = Given(parse, backlog);
            bool? orderedValue = parse.GetValue(ordered) is { } flag ? flag == "true" : null;
            if (!globalChange.Given && !rateChange.Given && !backlogChange.Given && orderedValue is null)
                throw new UsageException("queues limit needs at least one of --global, --rate, --ordered, --max-backlog");
            var creating = parse.GetValue(create);
            await using var session = creating ? context.Open(parse) : context.OpenExisting(parse);
            if (!creating) await QueuesCommand.EnsureKnownAsync(session.Monitor, name, "limit", ct);
            var settings = await session.Monitor.GetQueueSettingsAsync(name, ct);
            var limits = settings?.Limits ?? QueueLimits.None;
            if (globalChange.Given) limits = limits with { GlobalLimit = globalChange.Value };
            if (rateChange.Given) limits = limits with { RateLimit = rateChange.Value };
            if (backlogChange.Given) limits = limits with { MaxBacklog = backlogChange.Value };
            if (orderedValue is { } isOrdered) limits = limits with { Ordered = isOrdered };
            await session.Monitor.SetQueueLimitsAsync(name, limits, ct);
            context.Console.Out.WriteLine($"queue {name} limits: {HumanOutput.Limits(limits)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>An option taking "none" or a value read by <paramref name="read"/> (a value, or the error to report).</summary>
    private static Option<Change<T>> Limit<T>(string name, string description, string helpName, Func<string, (T? Value, string? Error)> read) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (token == "none") return new Change<T>(true, default);
            var (value, error) = read(token);
            if (error is not null) result.AddError(error);
            return new Change<T>(true, value);
        },
    };

    private static Change<T> Given<T>(ParseResult parse, Option<Change<T>> option) =>
        parse.GetResult(option) is null ? default : parse.GetValue(option);
}
