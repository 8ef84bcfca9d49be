using System.Text;
using System.Text.Json;
using Conveyor.Validation;
using Microsoft.AspNetCore.Http;

namespace Conveyor.Web.Api;

/// <summary>
/// Turns the body of <c>POST /api/jobs</c> (<c>{"kind", "args", …options}</c>) into a <see cref="JobRequest"/>.
/// Only the JSON shape is checked here; the values are the core validator's business (one copy of the rules).
/// A field this build does not know or honour is refused, never ignored.
/// </summary>
internal static class JobRequestReader
{
    public static JobRequest Read(JsonElement body, int maxPayloadBytes)
    {
        try
        {
            return ReadObject(body, maxPayloadBytes);
        }
        catch (InvalidOperationException)
        {
            // JSON may escape half a surrogate pair ("\ud800"); reading such a name or string as .NET text throws.
            throw new JobValidationException("body", "a field name or string value holds a \\u escape of a lone surrogate, which is not Unicode text");
        }
    }

    /// <summary>Reads the array <paramref name="jobs"/> of a bulk body; an error names the job's index (<c>jobs[2].kind</c>).</summary>
    public static List<JobRequest> ReadMany(JsonElement jobs, int maxPayloadBytes, string field = "jobs", string noun = "job")
    {
        if (jobs.ValueKind != JsonValueKind.Array)
            throw new JobValidationException(field, $"{field} must be an array of jobs");
        var requests = new List<JobRequest>(jobs.GetArrayLength());
        var index = 0;
        foreach (var item in jobs.EnumerateArray())
        {
            try
            {
                requests.Add(Read(item, maxPayloadBytes));
            }
            catch (JobValidationException e)
            {
                throw new JobValidationException(e.Field == "body" ? $"{field}[{index}]" : $"{field}[{index}].{e.Field}", $"{noun} {index}: {e.Reason}");
            }
            catch (ApiProblemException e)
            {
                throw new ApiProblemException(e.StatusCode, $"{noun} {index}: {e.Message}", $"{field}[{index}].{e.Field}");
            }
            index++;
        }
        if (requests.Count == 0) throw new JobValidationException(field, $"{field} is empty");
        return requests;
    }

    private static readonly string[] Fields =
        ["kind", "args", "queue", "priority", "runAt", "delay", "maxAttempts", "timeout", "orderingKey", "uniqueKey", "uniqueFor", "affinityKey", "after"];

    private static JobRequest ReadObject(JsonElement body, int maxPayloadBytes)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw new JobValidationException("body", "a job must be a JSON object: {\"kind\": …, \"args\": …}");
        string? kind = null;
        var args = "{}";
        var options = new JobOptions();
        var seen = 0;
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            // JSON readers disagree on which of two equal keys wins: one twice is refused, never silently picked. A bit per
            // known field (an unknown one is refused below): no allocation per job of a bulk.
            var bit = Array.IndexOf(Fields, property.Name);
            if (bit >= 0 && (seen & (1 << bit)) != 0) throw new JobValidationException(property.Name, $"field '{property.Name}' appears twice");
            if (bit >= 0) seen |= 1 << bit;
            switch (property.Name)
            {
                case "kind": kind = String(value, "kind") ?? throw new JobValidationException("kind", "kind must not be null"); break;
                case "args":
                    args = value.GetRawText();
                    // Too large is its own answer (413), not bad input: the job may be fine, only too big for this server.
                    var bytes = Encoding.UTF8.GetByteCount(args);
                    if (bytes > maxPayloadBytes)
                        throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, $"args are {bytes} bytes; the limit is {maxPayloadBytes}", "args");
                    break;
                case "queue": options = options with { Queue = String(value, "queue") }; break;
                case "priority": options = options with { Priority = Int(value, "priority") ?? 0 }; break;
                case "runAt": options = options with { RunAt = Time(value, "runAt") }; break;
                case "delay": options = options with { Delay = Duration(value, "delay") }; break;
                case "maxAttempts": options = options with { MaxAttempts = Int(value, "maxAttempts") }; break;
                case "timeout": options = options with { Timeout = Duration(value, "timeout") }; break;
                case "orderingKey": options = options with { OrderingKey = String(value, "orderingKey") }; break;
                case "uniqueKey": options = options with { UniqueKey = String(value, "uniqueKey") }; break;
                case "uniqueFor": options = options with { UniqueFor = Duration(value, "uniqueFor") }; break;
                case "affinityKey": options = options with { AffinityKey = String(value, "affinityKey") }; break;
                case "after": options = options with { After = Long(value, "after") }; break;
                case "batch" or "batchId":
                    throw new JobValidationException(property.Name, "a job joins a batch only as a child of a new batch: POST /api/batches stores the children and their callback together");
                default: throw new JobValidationException(property.Name, $"unknown field '{property.Name}'");
            }
        }
        if (kind is null) throw new JobValidationException("kind", "kind is required");
        return new JobRequest(kind, args, options);
    }

    private static string? String(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => throw new JobValidationException(field, $"{field} must be a string"),
    };

    private static int? Int(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Number when value.TryGetInt32(out var n) => n,
        _ => throw new JobValidationException(field, $"{field} must be a whole number"),
    };

    private static long? Long(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Number when value.TryGetInt64(out var n) => n,
        _ => throw new JobValidationException(field, $"{field} must be a job id (a whole number)"),
    };

    internal static TimeSpan? Duration(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Null ? null : DurationText.Read(value, field);

    private static DateTimeOffset? Time(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        // An explicit offset (Z or ±hh:mm): a time without one would be read in the server's zone.
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            && (text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^3] == ':' && text[^6] is '+' or '-'))
            && value.TryGetDateTimeOffset(out var time))
            return time;
        throw new JobValidationException(field, $"{field} must be an ISO-8601 time with an offset, like 2026-11-22T10:00:00Z");
    }
}
