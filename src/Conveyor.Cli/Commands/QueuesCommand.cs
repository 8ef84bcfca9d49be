using System.CommandLine;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Serialization;
using Conveyor.Validation;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor queues</c> (counts per state, pause state, slots of live nodes, limits, jobs with no handler),
/// <c>queues pause Q</c>, <c>queues resume Q</c>, <c>queues limit Q</c>.
/// </summary>
internal sealed class QueuesCommand(CliContext context)
{
    public Command Build()
    {
        var json = CliOptions.Json();
        var queues = new Command("queues", "List queues with their job counts per state, pause state and the slots live nodes give them") { json };
        queues.SetAction(async (parse, ct) =>
        {
            await using var session = context.OpenExisting(parse);
            var list = await session.Monitor.ListQueueStatusesAsync(ct);
            if (parse.GetValue(json)) JsonOutput.Write(context.Console, w => ApiJson.WriteQueues(w, list));
            else HumanOutput.Queues(context.Console, list);
            return ExitCodes.Ok;
        });
        queues.Add(Pause("pause", "Stop every node from claiming jobs of a queue (running jobs go on)", paused: true));
        queues.Add(Pause("resume", "Let nodes claim jobs of a paused queue again", paused: false));
        queues.Add(new QueueLimitCommand(context).Build());
        return queues;
    }

    private Command Pause(string verb, string description, bool paused)
    {
        var queue = new Argument<string>("Q") { Description = "The queue" };
        var create = new Option<bool>("--create") { Description = "Pause a queue that no job and no node has used yet (a name not seen before is refused as a likely typo)" };
        var command = new Command(verb, description) { queue };
        if (paused) command.Add(create);
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetRequiredValue(queue);
            Names.EnsureQueue(name);
            var creating = paused && parse.GetValue(create);
            await using var session = creating ? context.Open(parse) : context.OpenExisting(parse);
            if (!creating) await EnsureKnownAsync(session.Monitor, name, paused ? "pause" : null, ct);
            if (paused) await session.Monitor.PauseQueueAsync(name, ct);
            else await session.Monitor.ResumeQueueAsync(name, ct);
            context.Console.Out.WriteLine($"queue {name} {(paused ? "paused" : "resumed")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Fails unless a job or a node has used <paramref name="name"/> (or it has a settings record): a name not seen before
    /// is likely a typo. <paramref name="verb"/>, when given, is named in the hint to add <c>--create</c>.
    /// </summary>
    public static async Task EnsureKnownAsync(JobMonitor monitor, string name, string? verb, CancellationToken ct)
    {
        if (await monitor.IsKnownQueueAsync(name, ct)) return;
        var known = await monitor.ListQueueStatusesAsync(ct);
        const int shown = 10;
        var names = known.Count == 0 ? "there are none yet"
            : $"known queues: {string.Join(", ", known.Take(shown).Select(q => q.Queue.Name))}{(known.Count > shown ? $" and {known.Count - shown} more" : "")}";
        throw new OperationFailedException(verb is not null
            ? $"no queue {name}: no job and no node has used it ({names}); add --create to {verb} it before first use"
            : $"no queue {name}: no job and no node has used it ({names})");
    }
}
