using System.Globalization;
using System.Text;
using System.Text.Json;
using Conveyor.Storage;

namespace Conveyor.Validation;

/// <summary>Checks a <see cref="JobRequest"/> and turns it into a <see cref="NewJob"/> with every default filled in.</summary>
internal sealed class JobValidator(ConveyorOptions options)
{
    /// <summary>
    /// The longest <see cref="JobOptions.Delay"/> and <see cref="JobOptions.UniqueFor"/>, and how far ahead
    /// <see cref="JobOptions.RunAt"/> may be: 100 years (36,525 days). Far beyond any real schedule, and far
    /// enough within <see cref="DateTimeOffset.MaxValue"/> that run_at and finished_at + unique_for always fit.
    /// </summary>
    internal static readonly TimeSpan MaxHorizon = TimeSpan.FromDays(36_525);
    private const string MaxHorizonText = "100 years (36525 days)";

    public NewJob Validate(JobRequest request, DateTimeOffset now)
    {
        Names.EnsureKind(request.Kind);
        var o = request.Options ?? Empty;
        var queue = o.Queue ?? Names.DefaultQueue;
        Names.EnsureQueue(queue);
        ValidateArgs(request.ArgsJson);

        if (o.Priority is < -ConveyorOptions.MaxPriority or > ConveyorOptions.MaxPriority)
            throw Fail("priority", $"must be between -{ConveyorOptions.MaxPriority} and {ConveyorOptions.MaxPriority}", o.Priority);
        var maxAttempts = o.MaxAttempts ?? options.DefaultMaxAttempts;
        if (maxAttempts is < 1 or > ConveyorOptions.MaxAttemptsLimit)
            throw Fail("maxAttempts", $"must be between 1 and {ConveyorOptions.MaxAttemptsLimit}", maxAttempts);
        if (o.RunAt is not null && o.Delay is not null)
            throw new JobValidationException("runAt", "give runAt or delay, not both");
        // Checked before run_at is computed: now + a delay beyond the horizon may not fit a DateTimeOffset.
        if (o.Delay is { } delay && (delay < TimeSpan.Zero || delay > MaxHorizon))
            throw Fail("delay", $"must not be negative and at most {MaxHorizonText}", delay);
        if (o.RunAt is { } at && at - now > MaxHorizon)
            throw Fail("runAt", $"must be at most {MaxHorizonText} from now", at.ToString("O", CultureInfo.InvariantCulture));
        // At least 1 ms: the job JSON gives the timeout in whole milliseconds (timeoutMs), where a shorter one shows as 0.
        if (o.Timeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(1) || timeout > WorkerOptions.MaxDuration))
            throw Fail("timeout", $"must be at least 1 ms and at most {WorkerOptions.MaxDuration.TotalDays:0} days", timeout);
        if (o.UniqueFor is { } uniqueFor && (uniqueFor < TimeSpan.Zero || uniqueFor > MaxHorizon))
            throw Fail("uniqueFor", $"must not be negative and at most {MaxHorizonText}", uniqueFor);
        if (o.UniqueFor is not null && o.UniqueKey is null)
            throw new JobValidationException("uniqueFor", "needs a uniqueKey", null);
        CheckKey(o.OrderingKey, "orderingKey");
        CheckKey(o.UniqueKey, "uniqueKey");
        CheckKey(o.AffinityKey, "affinityKey");
        if (o.After is { } after && after <= 0)
            throw Fail("after", "must be a job id", after);

        var runAt = o.RunAt ?? (o.Delay is { } d ? now + d : now);
        return new NewJob
        {
            Kind = request.Kind,
            Queue = queue,
            ArgsJson = request.ArgsJson,
            Priority = o.Priority,
            MaxAttempts = maxAttempts,
            State = runAt > now ? JobState.Scheduled : JobState.Available,
            RunAt = runAt,
            Timeout = o.Timeout,
            OrderingKey = o.OrderingKey,
            UniqueKey = o.UniqueKey,
            UniqueFor = o.UniqueFor,
            AffinityKey = o.AffinityKey,
            AfterJobId = o.After,
        };
    }

    /// <summary>Args must be a JSON object or array within the payload limit.</summary>
    public void ValidateArgs(string? argsJson)
    {
        if (argsJson is null) throw new JobValidationException("args", NotObjectOrArray, null);
        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(argsJson);
        }
        catch (EncoderFallbackException)
        {
            // A .NET string can hold half a surrogate pair; stores would keep a replacement character (SQLite) or fail (PostgreSQL).
            throw new JobValidationException("args", "must be Unicode text; it holds a lone surrogate (half of a UTF-16 pair)", null);
        }
        if (bytes > options.MaxPayloadBytes)
        {
            throw new JobValidationException("args", $"must be at most {options.MaxPayloadBytes} bytes", $"{bytes} bytes",
                $"args are {bytes} bytes; the limit is {options.MaxPayloadBytes}");
        }
        var utf8 = Encoding.UTF8.GetBytes(argsJson);
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64, AllowMultipleValues = true });
            if (!reader.Read() || reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                throw new JobValidationException("args", NotObjectOrArray, null);
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped) CheckEscapedText(ref reader);
                if (reader.CurrentDepth == 0 && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray) break;
            }
            if (reader.Read())
                throw new JobValidationException("args", "must hold one JSON document; found more after it", null);
        }
        catch (JsonException e)
        {
            var problem = JsonProblem(e, utf8);
            throw new JobValidationException("args", $"is not valid JSON: {problem}", null, $"args are not valid JSON: {problem}");
        }
    }

    /// <summary>
    /// The reader's complaint in plain words, with the line and column a person counts (from 1, in characters) instead of
    /// the reader's own suffix (<c>LineNumber: 0 | BytePositionInLine: 6.</c>, counted from 0 and in bytes).
    /// </summary>
    internal static string JsonProblem(JsonException e, byte[] utf8)
    {
        var text = e.Message;
        var suffix = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (suffix >= 0) text = text[..suffix];
        text = text.TrimEnd().TrimEnd('.');
        // The reader quotes the character it stopped at, which may be a control character: shown as \uXXXX, never raw.
        if (text.Any(char.IsControl))
            text = string.Concat(text.Select(c => char.IsControl(c) ? string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}") : c.ToString()));
        if (e.LineNumber is not { } line || e.BytePositionInLine is not { } bytePosition) return text;
        var lineStart = 0;
        for (long seen = 0; seen < line && lineStart < utf8.Length; lineStart++)
        {
            if (utf8[lineStart] == (byte)'\n') seen++;
        }
        var length = (int)Math.Clamp(bytePosition, 0, utf8.Length - lineStart);
        var column = Encoding.UTF8.GetCharCount(utf8, lineStart, length) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"{text} (line {line + 1}, column {column})");
    }

    private static JobValidationException Fail(string field, string rule, object got) =>
        new(field, rule, Convert.ToString(got, CultureInfo.InvariantCulture));

    /// <summary>
    /// Escapes JSON allows but stores cannot keep (PostgreSQL's jsonb refuses both): a lone surrogate is not Unicode
    /// text, and a NUL character cannot be stored in a text value.
    /// </summary>
    private static void CheckEscapedText(ref Utf8JsonReader reader)
    {
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new JobValidationException("args", "must not hold a \\u escape of a lone surrogate, which is not Unicode text", null);
        }
        if (text.Contains('\0', StringComparison.Ordinal))
            throw new JobValidationException("args", "must not hold a \\u0000 (NUL) character, which stores cannot keep", null);
    }

    private static void CheckKey(string? key, string field)
    {
        if (key is null) return;
        if (key.Length == 0) throw new JobValidationException(field, "must not be empty", null);
        if (key.Length > Names.MaxKeyLength) throw new JobValidationException(field, $"is longer than {Names.MaxKeyLength} characters", null);
        // Any text goes, but only text every store can keep: PostgreSQL's text holds no NUL and no half surrogate pair.
        if (key.Contains('\0', StringComparison.Ordinal))
            throw new JobValidationException(field, "must not hold a NUL (U+0000) character, which stores cannot keep", null);
        try
        {
            StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            throw new JobValidationException(field, "must be Unicode text; it holds a lone surrogate (half of a UTF-16 pair)", null);
        }
    }

    /// <summary>UTF-8 that throws on a lone surrogate instead of writing a replacement character.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>What an option that this build stores but does not act on is refused with.</summary>
    internal const string NotSupported = "is not supported by this build yet";

    private const string NotObjectOrArray = "must be a JSON object or array";

    private static readonly JobOptions Empty = new();
}
