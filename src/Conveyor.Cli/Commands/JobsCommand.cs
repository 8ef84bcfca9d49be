using System.CommandLine;
using Conveyor.Cli.Output;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Serialization;
using Conveyor.Storage;

namespace Conveyor.Cli.Commands;

/// <summary><c>conveyor jobs list|show|retry|cancel|delete|wait</c>: inspect and act on jobs.</summary>
internal sealed class JobsCommand(CliContext context)
{
    /// <summary>How long <c>jobs wait</c> waits when <c>--timeout</c> is not given.</summary>
    internal static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The longest delay <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> accepts (2^32 − 2 ms, about 49.7 days).</summary>
    internal static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public Command Build()
    {
        var jobs = new Command("jobs", "Inspect and act on jobs");
        jobs.Add(List());
        jobs.Add(Show());
        jobs.Add(Change("retry", "Run a dead, cancelled, retrying or scheduled job again now", (client, id, ct) => client.RetryAsync(id, ct)));
        jobs.Add(Change("cancel", "Cancel a job that is not final (a running job's handler is cancelled at its node's next heartbeat)", (client, id, ct) => client.CancelAsync(id, ct)));
        jobs.Add(Change("delete", "Delete a job that is not running", (client, id, ct) => client.DeleteAsync(id, ct)));
        jobs.Add(Wait());
        return jobs;
    }

    private Command List()
    {
        var state = new Option<string?>("--state") { Description = $"Only jobs in this state ({string.Join(", ", JobStates.All.Select(s => s.ToWireName()))})", HelpName = "S" };
        var queue = new Option<string?>("--queue") { Description = "Only jobs of this queue", HelpName = "Q" };
        var kind = new Option<string?>("--kind") { Description = "Only jobs of this kind", HelpName = "K" };
        var limit = CliOptions.Number("--limit", $"At most N jobs (1–{JobQuery.MaxLimit}; default {JobQuery.DefaultLimit}, or a screenful in a terminal)", 1, JobQuery.MaxLimit);
        var cursor = new Option<string?>("--cursor") { Description = "Continue after the previous page (its 'next')", HelpName = "C" };
        var json = CliOptions.Json();
        var command = new Command("list", "List jobs, newest first") { state, queue, kind, limit, cursor, json };
        command.SetAction(async (parse, ct) =>
        {
            JobState? wanted = null;
            if (parse.GetValue(state) is { } name)
            {
                if (!JobStates.TryParse(name, out var parsed))
                    throw new UsageException($"--state {CliOptions.Echo(name)} is not a state: use one of {string.Join(", ", JobStates.All.Select(s => s.ToWireName()))}");
                wanted = parsed;
            }
            var query = new JobQuery
            {
                State = wanted,
                Queue = parse.GetValue(queue),
                Kind = parse.GetValue(kind),
                Limit = parse.GetResult(limit) is null ? DefaultLimit() : parse.GetValue(limit),
                Cursor = parse.GetValue(cursor),
            };
            var fields = new Dictionary<string, Option> { ["queue"] = queue, ["kind"] = kind, ["limit"] = limit, ["cursor"] = cursor };
            try
            {
                // Bad usage is told before the store is looked for.
                if (query.Queue is not null) Validation.Names.EnsureQueue(query.Queue);
                if (query.Kind is not null) Validation.Names.EnsureKind(query.Kind);
            }
            catch (Validation.JobValidationException e)
            {
                throw ValidationErrors.Translate(parse, e, fields);
            }
            await using var session = context.OpenExisting(parse);
            JobPage page;
            try
            {
                page = await session.Client.ListAsync(query, ct);
            }
            catch (Validation.JobValidationException e)
            {
                throw ValidationErrors.Translate(parse, e, fields);
            }
            if (parse.GetValue(json)) JsonOutput.Write(context.Console, w => ApiJson.WriteJobPage(w, page));
            else HumanOutput.JobPage(context.Console, page);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The page size when <c>--limit</c> is not given: a screenful in a terminal (the table's header, its frame and the
    /// "more jobs follow" line stay on screen), else <see cref="JobQuery.DefaultLimit"/>.
    /// </summary>
    private int DefaultLimit() => context.Console.IsInteractive
        ? Math.Clamp(context.Console.Height - ListFrameRows, 1, JobQuery.DefaultLimit)
        : JobQuery.DefaultLimit;

    /// <summary>The rows around the jobs in a terminal: blank, header, rule, blank, "more jobs follow", the shell's prompt, one spare.</summary>
    private const int ListFrameRows = 7;

    private Command Show()
    {
        var id = CliOptions.JobId();
        var json = CliOptions.Json();
        var command = new Command("show", "Show one job: args, state, attempts, progress, result, errors") { id, json };
        command.SetAction(async (parse, ct) =>
        {
            var jobId = parse.GetValue(id);
            await using var session = context.OpenExisting(parse);
            var job = await session.Client.GetAsync(jobId, ct) ?? throw new OperationFailedException($"job {jobId} not found");
            job = await session.Monitor.WithNoHandlerAsync(job, ct);
            if (parse.GetValue(json)) JsonOutput.Write(context.Console, w => ApiJson.WriteJob(w, job));
            else HumanOutput.Job(context.Console, job);
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command Change(string verb, string description, Func<JobClient, long, CancellationToken, Task<JobChangeResult>> change)
    {
        var id = CliOptions.JobId();
        var json = CliOptions.Json();
        var command = new Command(verb, description) { id };
        if (verb != "delete") command.Add(json);
        command.SetAction(async (parse, ct) =>
        {
            var jobId = parse.GetValue(id);
            await using var session = context.OpenExisting(parse);
            var result = await change(session.Client, jobId, ct);
            switch (result.Status)
            {
                case JobChangeStatus.NotFound:
                    throw new OperationFailedException($"job {jobId} not found");
                case JobChangeStatus.NotAllowed:
                    throw new OperationFailedException($"cannot {verb} job {jobId}: it is {result.Job?.State.ToWireName() ?? "in another state"}; {Allowed(verb)}");
                case JobChangeStatus.Conflict:
                    throw new OperationFailedException($"cannot {verb} job {jobId}: {result.Reason}");
            }
            if (result.Job is { } job && parse.GetValue(json)) JsonOutput.Write(context.Console, w => ApiJson.WriteJob(w, job));
            else context.Console.Out.WriteLine(result.Job is { } changed ? $"job {jobId} {changed.State.ToWireName()}" : $"job {jobId} deleted");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Allowed(string verb) => verb switch
    {
        "retry" => "only dead, cancelled, retrying or scheduled jobs can be retried",
        "cancel" => "final jobs (succeeded, dead, cancelled) cannot be cancelled",
        _ => "a running job cannot be deleted (cancel it first)",
    };

    private Command Wait()
    {
        var id = CliOptions.JobId();
        var timeout = CliOptions.Duration("--timeout", $"Give up after DURATION (default {Durations.Format(DefaultWaitTimeout)}; more than 49 days: wait without a limit)");
        var json = CliOptions.Json();
        var command = new Command("wait", "Wait until a job is final; exit 0 when it succeeded, 1 when it ended otherwise") { id, timeout, json };
        command.SetAction(async (parse, ct) =>
        {
            var jobId = parse.GetValue(id);
            var limit = parse.GetValue(timeout) ?? DefaultWaitTimeout;
            await using var session = context.OpenExisting(parse);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // A timer holds at most ~49.7 days; a longer --timeout waits without one (until the job is final or Ctrl+C).
            if (limit <= MaxTimer) deadline.CancelAfter(limit);
            JobInfo job;
            try
            {
                job = await session.Client.WaitAsync(jobId, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                var now = await session.Client.GetAsync(jobId, CancellationToken.None);
                throw new OperationFailedException($"job {jobId} is still {now?.State.ToWireName() ?? "unknown"} after {Durations.Format(limit)}");
            }
            if (parse.GetValue(json)) JsonOutput.Write(context.Console, w => ApiJson.WriteJob(w, job));
            else context.Console.Out.WriteLine($"job {jobId} {job.State.ToWireName()}");
            if (job.State == JobState.Succeeded) return ExitCodes.Ok;
            var why = job.Errors.Count > 0 ? $": {job.Errors[^1].Message}" : "";
            throw new OperationFailedException($"job {jobId} ended {job.State.ToWireName()}{why}");
        });
        return command;
    }
}
