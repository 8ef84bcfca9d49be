using System.CommandLine;
using System.Globalization;
using System.Text;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Validation;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor enqueue KIND [--args JSON | --from FILE|-] [job options]</c>: prints the new job's id alone;
/// with <c>--from</c>, one args document per line, enqueued in chunks (one store call each), one id per line; with
/// <c>--from</c> and <c>--batch-then KIND</c>, all of them as one batch (one store call) and the batch's id alone.
/// </summary>
internal sealed class EnqueueCommand(CliContext context)
{
    /// <summary>Jobs per store call with <c>--from</c>: big enough for throughput, small enough to keep each write short.</summary>
    internal const int ChunkSize = 1000;

    private readonly Argument<string> _kind = new("KIND") { Description = "The job's kind (the handler's name)" };
    private readonly Option<string?> _args = new("--args") { Description = "The job's args: a JSON object or array (default {})", HelpName = "JSON" };
    private readonly Option<string?> _from = new("--from") { Description = "Enqueue one job per line of FILE (- = stdin), each line a JSON args document", HelpName = "FILE" };
    private readonly Option<string?> _queue = new("--queue") { Description = "Queue (default: default)", HelpName = "Q" };
    private readonly Option<TimeSpan?> _delay = CliOptions.Duration("--delay", "Run no earlier than now + DURATION");
    private readonly Option<DateTimeOffset?> _at = CliOptions.Time("--at", "Run no earlier than TIME (ISO-8601, UTC unless an offset is given)");
    // Whole numbers of any size here; the core's validator owns the bounds (and names them in its error).
    private readonly Option<int> _priority = CliOptions.Number("--priority", "Higher runs first within the queue (-1000…1000, default 0)", int.MinValue, int.MaxValue);
    private readonly Option<int?> _maxAttempts = CliOptions.OptionalNumber("--max-attempts", "Attempts before the job is dead (default 10)", int.MinValue, int.MaxValue);
    private readonly Option<TimeSpan?> _timeout = CliOptions.Duration("--timeout", "Cancel the handler's token after DURATION (default: the node's, 30m)");
    private readonly Option<string?> _orderingKey = new("--ordering-key") { Description = "Jobs sharing K run one at a time, in enqueue order", HelpName = "K" };
    private readonly Option<string?> _uniqueKey = new("--unique-key") { Description = "While a job with K is not final, return it instead of adding another", HelpName = "K" };
    private readonly Option<TimeSpan?> _uniqueFor = CliOptions.Duration("--unique-for", "Keep --unique-key taken for DURATION after the job succeeded");
    private readonly Option<string?> _affinityKey = new("--affinity-key") { Description = "Jobs sharing K prefer the one live node that owns K (within a grace of 2s)", HelpName = "K" };
    private readonly Option<long?> _after = CliOptions.OptionalNumber("--after", "Wait until job ID succeeded", long.MinValue, long.MaxValue, "ID");
    private readonly Option<string?> _batchThen = new("--batch-then")
    {
        Description = "With --from: enqueue the jobs as one batch whose callback, a job of KIND, runs once when all are final (prints the batch id)",
        HelpName = "KIND",
    };
    private readonly Option<string?> _batchThenArgs = new("--batch-then-args") { Description = "The callback's args (default {})", HelpName = "JSON" };
    private readonly Option<TimeSpan?> _batchDeadline = CliOptions.Duration("--batch-deadline", "Cancel the batch's unfinished children DURATION after the enqueue");

    /// <summary>The option behind each field the core's validator names, so that its errors speak of what was typed.</summary>
    private Dictionary<string, Option> Fields() => new(StringComparer.Ordinal)
    {
        ["args"] = _args, ["queue"] = _queue, ["priority"] = _priority, ["maxAttempts"] = _maxAttempts, ["delay"] = _delay, ["runAt"] = _at,
        ["timeout"] = _timeout, ["orderingKey"] = _orderingKey, ["uniqueKey"] = _uniqueKey, ["uniqueFor"] = _uniqueFor,
        ["affinityKey"] = _affinityKey, ["after"] = _after, ["deadline"] = _batchDeadline,
    };

    public Command Build()
    {
        var command = new Command("enqueue", "Enqueue a job (prints its id) or, with --from, many jobs (one id per line)")
        {
            _kind, _args, _from, _queue, _delay, _at, _priority, _maxAttempts, _timeout, _orderingKey, _uniqueKey, _uniqueFor, _affinityKey, _after,
            _batchThen, _batchThenArgs, _batchDeadline,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var kind = parse.GetRequiredValue(_kind);
        var args = parse.GetValue(_args);
        var from = parse.GetValue(_from);
        if (args is not null && from is not null) throw new UsageException("give --args or --from, not both");
        var options = Options(parse);
        var batch = Batch(parse, from, options);

        await using var session = context.Open(parse);
        // The core's own checks, under the limits this session's client enforces: nothing is stored when one fails.
        var validator = new JobValidator(session.Options);
        if (from is null)
        {
            var request = new JobRequest(kind, args ?? "{}", options);
            Check(parse, () => validator.Validate(request, DateTimeOffset.UtcNow));
            var result = await Enqueue(parse, () => session.Client.EnqueueAsync(request, cancellationToken));
            context.Console.Out.WriteLine(result.Id.ToString(CultureInfo.InvariantCulture));
            return ExitCodes.Ok;
        }

        Check(parse, () => validator.Validate(new JobRequest(kind, "{}", options), DateTimeOffset.UtcNow));
        // Every line is read and checked before the first chunk is stored, so a bad line changes nothing.
        var documents = await ReadDocumentsAsync(from, validator, cancellationToken);
        var output = context.Console.Out;
        if (batch is { } then)
        {
            try
            {
                validator.ValidateArgs(then.Callback.ArgsJson);
            }
            catch (JobValidationException e)
            {
                throw new UsageException($"--batch-then-args: {e.Reason}");
            }
            var children = documents.Select(d => new JobRequest(kind, d.Json, options)).ToList();
            var deadline = then.Deadline is { } after ? new BatchOptions { Deadline = DateTimeOffset.UtcNow + after } : null;
            var stored = await Enqueue(parse, () => session.Client.EnqueueBatchAsync(children, then.Callback, deadline, cancellationToken));
            output.WriteLine(stored.BatchId.ToString(CultureInfo.InvariantCulture));
            return ExitCodes.Ok;
        }
        for (var start = 0; start < documents.Count; start += ChunkSize)
        {
            var chunk = documents.Skip(start).Take(ChunkSize).Select(d => new JobRequest(kind, d.Json, options)).ToList();
            var results = await Enqueue(parse, () => session.Client.EnqueueManyAsync(chunk, cancellationToken));
            var text = new StringBuilder(results.Count * 8);
            foreach (var result in results) text.Append(result.Id.ToString(CultureInfo.InvariantCulture)).Append('\n');
            await output.WriteAsync(text, cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
        return ExitCodes.Ok;
    }

    /// <summary>The callback and deadline of <c>--batch-then</c>, or null without it; its options are refused without it.</summary>
    private (JobRequest Callback, TimeSpan? Deadline)? Batch(ParseResult parse, string? from, JobOptions options)
    {
        var then = parse.GetValue(_batchThen);
        var thenArgs = parse.GetValue(_batchThenArgs);
        var deadline = parse.GetValue(_batchDeadline);
        if (then is null)
        {
            if (thenArgs is not null) throw new UsageException("--batch-then-args needs --batch-then");
            if (deadline is not null) throw new UsageException("--batch-deadline needs --batch-then");
            return null;
        }
        if (from is null) throw new UsageException("--batch-then needs --from FILE (the batch's children, one args document per line)");
        if (options.UniqueKey is not null) throw new UsageException("--unique-key cannot be used with --batch-then: an existing job would join the batch");
        if (deadline is { } d && d <= TimeSpan.Zero) throw new UsageException($"--batch-deadline must be longer than 0 (got {Durations.Format(d)})");
        try
        {
            Names.EnsureKind(then);
        }
        catch (JobValidationException e)
        {
            throw new UsageException($"--batch-then: {e.Reason}");
        }
        // The callback runs beside the children: same queue, priority, attempts and timeout.
        var callback = new JobRequest(then, thenArgs ?? "{}", new JobOptions
        {
            Queue = options.Queue, Priority = options.Priority, MaxAttempts = options.MaxAttempts, Timeout = options.Timeout,
        });
        return (callback, deadline);
    }

    private void Check(ParseResult parse, Action validate)
    {
        try
        {
            validate();
        }
        catch (JobValidationException e)
        {
            throw Translate(parse, e);
        }
    }

    private async Task<T> Enqueue<T>(ParseResult parse, Func<Task<T>> enqueue)
    {
        try
        {
            return await enqueue();
        }
        catch (JobValidationException e)
        {
            throw Translate(parse, e);
        }
    }

    private UsageException Translate(ParseResult parse, JobValidationException e) => ValidationErrors.Translate(parse, e, Fields());

    private JobOptions Options(ParseResult parse)
    {
        var delay = parse.GetValue(_delay);
        var at = parse.GetValue(_at);
        if (delay is not null && at is not null) throw new UsageException("give --delay or --at, not both");
        if (parse.GetValue(_uniqueFor) is not null && parse.GetValue(_uniqueKey) is null) throw new UsageException("--unique-for needs --unique-key");
        return new JobOptions
        {
            Queue = parse.GetValue(_queue),
            Priority = parse.GetValue(_priority),
            Delay = delay,
            RunAt = at,
            MaxAttempts = parse.GetValue(_maxAttempts),
            Timeout = parse.GetValue(_timeout),
            OrderingKey = parse.GetValue(_orderingKey),
            UniqueKey = parse.GetValue(_uniqueKey),
            UniqueFor = parse.GetValue(_uniqueFor),
            AffinityKey = parse.GetValue(_affinityKey),
            After = parse.GetValue(_after),
        };
    }

    /// <summary>
    /// Reads and checks every line of <paramref name="from"/>. Ctrl+C stops the wait at once, even while the input is an
    /// open pipe with nothing to read: <see cref="Console.In"/> reads synchronously, inside ReadLineAsync too, and
    /// ignores the token (so does a read from a FIFO), so the lines are read on a pool thread and the command stops
    /// waiting for it when <paramref name="cancellationToken"/> fires (the interrupted exit, 130); the blocked read is
    /// left to end with the process.
    /// </summary>
    private static async Task<List<(int Line, string Json)>> ReadDocumentsAsync(string from, JobValidator validator, CancellationToken cancellationToken)
    {
        TextReader? file = null;
        if (from != "-")
        {
            try
            {
                file = new StreamReader(from, StrictUtf8);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read --from '{from}': {e.Message}");
            }
        }
        var reading = Task.Run(() =>
        {
            // Standard input is not disposed: it is the process's, and disposing it waits for a read in progress. It is read
            // as strict UTF-8 (as the file is): Console.In would turn bytes that are not UTF-8 into U+FFFD and store that.
            using (file)
                return ReadDocuments(file ?? new StreamReader(Console.OpenStandardInput(), StrictUtf8), from, validator, cancellationToken);
        }, cancellationToken);
        var documents = await reading.WaitAsync(cancellationToken);
        if (documents.Count == 0) throw new UsageException($"--from {from}: no args documents (one JSON object or array per line)");
        return documents;
    }

    private static List<(int Line, string Json)> ReadDocuments(TextReader reader, string from, JobValidator validator, CancellationToken cancellationToken)
    {
        var documents = new List<(int, string)>();
        var number = 0;
        while (ReadLine(reader, from, number + 1) is { } line)
        {
            cancellationToken.ThrowIfCancellationRequested();
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                validator.ValidateArgs(line);
            }
            catch (JobValidationException e)
            {
                throw new UsageException($"{from} line {number}: {e.Reason}");
            }
            documents.Add((number, line));
        }
        return documents;
    }

    private static string? ReadLine(TextReader reader, string from, int number)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (DecoderFallbackException)
        {
            // The reader decodes ahead of the line it returns: the bad bytes are on this line or a later one.
            var source = from == "-" ? "standard input" : from;
            throw new UsageException($"{source} is not UTF-8 text: it has bytes no UTF-8 character has (at line {number} or after); nothing was enqueued");
        }
    }

    /// <summary>UTF-8 that refuses bytes no character has, instead of reading them as U+FFFD.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
