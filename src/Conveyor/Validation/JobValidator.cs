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
            throw new JobValidationException("priority", $"priority must be between -{ConveyorOptions.MaxPriority} and {ConveyorOptions.MaxPriority} (got {o.Priority})");
        var maxAttempts = o.MaxAttempts ?? options.DefaultMaxAttempts;
        if (maxAttempts is < 1 or > ConveyorOptions.MaxAttemptsLimit)
            throw new JobValidationException("maxAttempts", $"maxAttempts must be between 1 and {ConveyorOptions.MaxAttemptsLimit} (got {maxAttempts})");
        if (o.RunAt is not null && o.Delay is not null)
            throw new JobValidationException("runAt", "give runAt or delay, not both");
        // Checked before run_at is computed: now + a delay beyond the horizon may not fit a DateTimeOffset.
        if (o.Delay is { } delay && (delay < TimeSpan.Zero || delay > MaxHorizon))
            throw new JobValidationException("delay", $"delay must not be negative and at most {MaxHorizonText} (got {delay})");
        if (o.RunAt is { } at && at - now > MaxHorizon)
            throw new JobValidationException("runAt", $"runAt must be at most {MaxHorizonText} from now (got {at:O})");
        // At least 1 ms: the job JSON gives the timeout in whole milliseconds (timeoutMs), where a shorter one shows as 0.
        if (o.Timeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(1) || timeout > WorkerOptions.MaxDuration))
            throw new JobValidationException("timeout", $"timeout must be at least 1 ms and at most {WorkerOptions.MaxDuration.TotalDays:0} days (got {timeout})");
        if (o.UniqueFor is { } uniqueFor && (uniqueFor < TimeSpan.Zero || uniqueFor > MaxHorizon))
            throw new JobValidationException("uniqueFor", $"uniqueFor must not be negative and at most {MaxHorizonText} (got {uniqueFor})");
        if (o.UniqueFor is not null && o.UniqueKey is null)
            throw new JobValidationException("uniqueFor", "uniqueFor needs a uniqueKey");
        CheckKey(o.OrderingKey, "orderingKey");
        CheckKey(o.UniqueKey, "uniqueKey");
        CheckKey(o.AffinityKey, "affinityKey");
        if (o.After is { } after && after <= 0)
            throw new JobValidationException("after", $"after must be a job id (got {after})");

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
        if (argsJson is null) throw new JobValidationException("args", "args must be a JSON object or array");
        var bytes = Encoding.UTF8.GetByteCount(argsJson);
        if (bytes > options.MaxPayloadBytes)
            throw new JobValidationException("args", $"args are {bytes} bytes; the limit is {options.MaxPayloadBytes}");
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(argsJson), new JsonReaderOptions { MaxDepth = 64, AllowMultipleValues = true });
            if (!reader.Read() || reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                throw new JobValidationException("args", "args must be a JSON object or array");
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped) CheckEscapedText(ref reader);
                if (reader.CurrentDepth == 0 && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray) break;
            }
            if (reader.Read())
                throw new JobValidationException("args", "args must hold one JSON document; found more after it");
        }
        catch (JsonException e)
        {
            throw new JobValidationException("args", $"args are not valid JSON: {e.Message}");
        }
    }

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
            throw new JobValidationException("args", "args hold a \\u escape of a lone surrogate, which is not Unicode text");
        }
        if (text.Contains('\0', StringComparison.Ordinal))
            throw new JobValidationException("args", "args hold a \\u0000 (NUL) character, which stores cannot keep");
    }

    private static void CheckKey(string? key, string field)
    {
        if (key is null) return;
        if (key.Length == 0) throw new JobValidationException(field, $"{field} must not be empty");
        if (key.Length > Names.MaxKeyLength) throw new JobValidationException(field, $"{field} is longer than {Names.MaxKeyLength} characters");
    }

    private static readonly JobOptions Empty = new();
}
