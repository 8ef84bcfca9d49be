using System.CommandLine;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Recurring;
using Conveyor.Serialization;
using Conveyor.Storage;
using Conveyor.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor cron list [--json]</c>, <c>cron add NAME "CRON" KIND [--args JSON] [--tz ZONE] [--missed catch-up|skip]
/// [job options]</c> (creates or replaces), <c>cron remove NAME</c>. The leader picks changes up at its next tick.
/// </summary>
internal sealed class CronCommand(CliContext context)
{
    private readonly Argument<string> _name = new("NAME") { Description = "The schedule's name (1-128 chars of A-Z a-z 0-9 _ . : -)" };
    private readonly Argument<string> _cron = new("CRON") { Description = "Five fields (minute hour day-of-month month day-of-week), or six with seconds first" };
    private readonly Argument<string> _kind = new("KIND") { Description = "The kind of the jobs it enqueues" };
    private readonly Option<string?> _args = new("--args") { Description = "The jobs' args: a JSON object or array (default {})", HelpName = "JSON" };
    private readonly Option<string?> _zone = new("--tz") { Description = "The IANA time zone the fields are read in (default UTC)", HelpName = "ZONE" };
    private readonly Option<string?> _missed = new("--missed") { Description = "Ticks missed while no node ran: catch-up (one job for them all, the default) or skip", HelpName = "catch-up|skip" };
    private readonly Option<string?> _queue = new("--queue") { Description = "Queue (default: default)", HelpName = "Q" };
    private readonly Option<int> _priority = CliOptions.Number("--priority", "Higher runs first within the queue (-1000…1000, default 0)", int.MinValue, int.MaxValue);
    private readonly Option<int?> _maxAttempts = CliOptions.OptionalNumber("--max-attempts", "Attempts before a job is dead (default 10)", int.MinValue, int.MaxValue);
    private readonly Option<TimeSpan?> _timeout = CliOptions.Duration("--timeout", "Cancel the handler's token after DURATION (default: the node's, 30m)");
    private readonly Option<string?> _orderingKey = new("--ordering-key") { Description = "Jobs sharing K run one at a time, in enqueue order", HelpName = "K" };
    private readonly Option<string?> _uniqueKey = new("--unique-key") { Description = "While a job with K is not final, a tick adds no other", HelpName = "K" };
    private readonly Option<TimeSpan?> _uniqueFor = CliOptions.Duration("--unique-for", "Keep --unique-key taken for DURATION after the job succeeded");

    private Dictionary<string, Option> Fields() => new(StringComparer.Ordinal)
    {
        ["args"] = _args, ["timeZone"] = _zone, ["queue"] = _queue, ["priority"] = _priority, ["maxAttempts"] = _maxAttempts, ["timeout"] = _timeout,
        ["orderingKey"] = _orderingKey, ["uniqueKey"] = _uniqueKey, ["uniqueFor"] = _uniqueFor,
    };

    public Command Build()
    {
        var cron = new Command("cron", "Recurring jobs: list, add or replace, remove");
        cron.Add(List());
        cron.Add(Add());
        cron.Add(Remove());
        return cron;
    }

    private Command List()
    {
        var json = CliOptions.Json();
        var command = new Command("list", "List the schedules with their next and last run") { json };
        command.SetAction(async (parse, ct) =>
        {
            await using var session = context.OpenExisting(parse);
            var schedules = await Recurring(session).ListAsync(ct);
            if (parse.GetValue(json)) JsonOutput.Write(context.Console, w => CronJson.WriteSchedules(w, schedules));
            else HumanOutput.Cron(context.Console, schedules);
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command Add()
    {
        var command = new Command("add", "Add a schedule, or replace the one of that name (its ticks then count from now)")
        {
            _name, _cron, _kind, _args, _zone, _missed, _queue, _priority, _maxAttempts, _timeout, _orderingKey, _uniqueKey, _uniqueFor,
        };
        command.SetAction(async (parse, ct) =>
        {
            var missed = parse.GetValue(_missed) is { } text
                ? RecurringJobValidator.ParseMissedTicks(text) ?? throw new UsageException($"--missed must be catch-up or skip (got {CliOptions.Echo(text)})")
                : MissedTicks.CatchUp;
            if (parse.GetValue(_uniqueFor) is not null && parse.GetValue(_uniqueKey) is null) throw new UsageException("--unique-for needs --unique-key");
            var options = new JobOptions
            {
                Queue = parse.GetValue(_queue),
                Priority = parse.GetValue(_priority),
                MaxAttempts = parse.GetValue(_maxAttempts),
                Timeout = parse.GetValue(_timeout),
                OrderingKey = parse.GetValue(_orderingKey),
                UniqueKey = parse.GetValue(_uniqueKey),
                UniqueFor = parse.GetValue(_uniqueFor),
            };
            var job = new RecurringJob(parse.GetRequiredValue(_name), parse.GetRequiredValue(_cron), parse.GetRequiredValue(_kind), parse.GetValue(_args) ?? "{}")
            {
                TimeZone = parse.GetValue(_zone),
                Options = options == new JobOptions() ? null : options,
                MissedTicks = missed,
            };
            await using var session = context.Open(parse);
            var recurring = Recurring(session);
            CronUpsertOutcome outcome;
            try
            {
                outcome = await recurring.AddOrUpdateAsync(job, "cli", ct);
            }
            catch (JobValidationException e)
            {
                throw ValidationErrors.Translate(parse, e, Fields());
            }
            var stored = (await recurring.ListAsync(ct)).FirstOrDefault(s => s.Job.Name == job.Name);
            var next = stored?.NextRun is { } at ? $"; next run {Times.Format(at)}" : "";
            var done = outcome switch
            {
                CronUpsertOutcome.Created => "added",
                CronUpsertOutcome.Updated => "replaced",
                _ => "unchanged",
            };
            context.Console.Out.WriteLine($"cron schedule {job.Name} {done}{next}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command Remove()
    {
        var command = new Command("remove", "Remove a schedule (the jobs it enqueued stay)") { _name };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetRequiredValue(_name);
            await using var session = context.OpenExisting(parse);
            if (!await Recurring(session).RemoveAsync(name, ct)) throw new OperationFailedException($"no cron schedule named {name}");
            context.Console.Out.WriteLine($"cron schedule {name} removed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static RecurringJobs Recurring(Stores.StoreSession session) => session.Services.GetRequiredService<RecurringJobs>();
}
