using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Conveyor.Cli.Parsing;
using Conveyor.Cli.Running;
using Conveyor.Validation;

namespace Conveyor.Cli.Commands;

/// <summary>
/// <c>conveyor enqueue KIND [--args JSON | --from FILE|-] [job options]</c>: prints the new job's id alone;
/// with <c>--from</c>, one args document per line, enqueued in chunks (one store call each), one id per line.
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
    private readonly Option<int> _priority = new("--priority") { Description = "Higher runs first within the queue (-1000…1000, default 0)", HelpName = "N" };
    private readonly Option<int?> _maxAttempts = new("--max-attempts") { Description = "Attempts before the job is dead (default 10)", HelpName = "N" };
    private readonly Option<TimeSpan?> _timeout = CliOptions.Duration("--timeout", "Cancel the handler's token after DURATION (default: the node's, 30m)");
    private readonly Option<string?> _orderingKey = new("--ordering-key") { Description = "Jobs sharing K run one at a time, in enqueue order", HelpName = "K" };
    private readonly Option<string?> _uniqueKey = new("--unique-key") { Description = "While a job with K is not final, return it instead of adding another", HelpName = "K" };
    private readonly Option<TimeSpan?> _uniqueFor = CliOptions.Duration("--unique-for", "Keep --unique-key taken for DURATION after the job succeeded");
    private readonly Option<string?> _affinityKey = new("--affinity-key") { Description = "Jobs sharing K prefer the node that owns K", HelpName = "K" };
    private readonly Option<long?> _after = new("--after") { Description = "Wait until job ID succeeded", HelpName = "ID" };

    public Command Build()
    {
        var command = new Command("enqueue", "Enqueue a job (prints its id) or, with --from, many jobs (one id per line)")
        {
            _kind, _args, _from, _queue, _delay, _at, _priority, _maxAttempts, _timeout, _orderingKey, _uniqueKey, _uniqueFor, _affinityKey, _after,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var kind = parse.GetRequiredValue(_kind);
        Names.EnsureKind(kind);
        var args = parse.GetValue(_args);
        var from = parse.GetValue(_from);
        if (args is not null && from is not null) throw new UsageException("give --args or --from, not both");
        var options = Options(parse);

        if (from is null)
        {
            await using var session = context.Open(parse);
            var result = await session.Client.EnqueueAsync(new JobRequest(kind, args ?? "{}", options), cancellationToken);
            context.Console.Out.WriteLine(result.Id.ToString(CultureInfo.InvariantCulture));
            return ExitCodes.Ok;
        }

        // Every line is read and checked before the first chunk is stored, so a bad line changes nothing.
        var documents = await ReadDocumentsAsync(from, cancellationToken);
        await using (var session = context.Open(parse))
        {
            var output = context.Console.Out;
            for (var start = 0; start < documents.Count; start += ChunkSize)
            {
                var chunk = documents.Skip(start).Take(ChunkSize).Select(d => new JobRequest(kind, d.Json, options)).ToList();
                IReadOnlyList<EnqueueResult> results;
                try
                {
                    results = await session.Client.EnqueueManyAsync(chunk, cancellationToken);
                }
                catch (JobValidationException e) when (BulkIndex(e.Field) is { } index)
                {
                    // Options are the same for every line: only an args problem belongs to one line.
                    var reason = e.Reason.StartsWith($"job {index}: ", StringComparison.Ordinal) ? e.Reason[$"job {index}: ".Length..] : e.Reason;
                    throw new UsageException(e.Field.EndsWith("].args", StringComparison.Ordinal)
                        ? $"{from} line {documents[start + index].Line}: {reason}"
                        : reason);
                }
                var text = new StringBuilder(results.Count * 8);
                foreach (var result in results) text.Append(result.Id.ToString(CultureInfo.InvariantCulture)).Append('\n');
                await output.WriteAsync(text, cancellationToken);
                await output.FlushAsync(cancellationToken);
            }
        }
        return ExitCodes.Ok;
    }

    private JobOptions Options(ParseResult parse)
    {
        var delay = parse.GetValue(_delay);
        var at = parse.GetValue(_at);
        if (delay is not null && at is not null) throw new UsageException("give --delay or --at, not both");
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
    private static async Task<List<(int Line, string Json)>> ReadDocumentsAsync(string from, CancellationToken cancellationToken)
    {
        TextReader? file = null;
        if (from != "-")
        {
            try
            {
                file = new StreamReader(from, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read --from '{from}': {e.Message}");
            }
        }
        var reading = Task.Run(() =>
        {
            // Console.In is not disposed: it is the process's, and disposing it waits for a read in progress.
            using (file)
                return ReadDocuments(file ?? Console.In, from, cancellationToken);
        }, cancellationToken);
        var documents = await reading.WaitAsync(cancellationToken);
        if (documents.Count == 0) throw new UsageException($"--from {from}: no args documents (one JSON object or array per line)");
        return documents;
    }

    private static List<(int Line, string Json)> ReadDocuments(TextReader reader, string from, CancellationToken cancellationToken)
    {
        var documents = new List<(int, string)>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            cancellationToken.ThrowIfCancellationRequested();
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (CheckDocument(line) is { } problem) throw new UsageException($"{from} line {number}: {problem}");
            documents.Add((number, line));
        }
        return documents;
    }

    /// <summary>Null when <paramref name="line"/> holds exactly one JSON object or array, else what is wrong.</summary>
    private static string? CheckDocument(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        if (bytes.Length > ConveyorOptions.DefaultMaxPayloadBytes) return $"args are {bytes.Length} bytes; the limit is {ConveyorOptions.DefaultMaxPayloadBytes}";
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                return "args must be a JSON object or array";
            reader.Skip();
            return reader.Read() ? "one JSON document per line; found more after it" : null;
        }
        catch (JsonException e)
        {
            return $"args are not valid JSON: {e.Message}";
        }
    }

    /// <summary>The index in a bulk enqueue that a validation error names (<c>jobs[3].args</c> → 3).</summary>
    private static int? BulkIndex(string field)
    {
        if (!field.StartsWith("jobs[", StringComparison.Ordinal)) return null;
        var end = field.IndexOf(']', StringComparison.Ordinal);
        return end > 5 && int.TryParse(field.AsSpan(5, end - 5), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }
}
