using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Storage;
using Conveyor.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.Web.Api;

/// <summary>
/// <c>/api/batches</c>: a batch's enqueue (its children and callback in one transaction), the batch as
/// <c>conveyor batches show --json</c> writes it, and its cancellation.
/// </summary>
internal static class BatchEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        var api = group.MapGroup("").WithTags("Batches");
        api.MapPost("/batches", EnqueueAsync)
            .WithSummary("Enqueue a batch: {\"children\": [jobs], \"then\": job, \"deadline\": \"10m\"}; the callback runs once every child is final")
            .WithJsonBody<Schema.BatchSubmission>()
            .Produces<Schema.BatchEnqueued>(StatusCodes.Status201Created)
            .Produces<Schema.ErrorBody>(StatusCodes.Status400BadRequest).Produces<Schema.ErrorBody>(StatusCodes.Status413PayloadTooLarge)
            .Produces<Schema.ErrorBody>(StatusCodes.Status429TooManyRequests);
        api.MapGet("/batches/{id}", async (string id, JobClient client, CancellationToken ct) =>
            {
                var batchId = ParseId(id);
                return await client.GetBatchAsync(batchId, ct).ConfigureAwait(false) is { } batch
                    ? Answer(StatusCodes.Status200OK, batch)
                    : NotFound(batchId);
            })
            .WithSummary("A batch: its children's counts per state, remaining, deadline, cancellation and callback job")
            .Produces<Schema.Batch>().Produces<Schema.ErrorBody>(StatusCodes.Status400BadRequest).Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound);
        api.MapPost("/batches/{id}/cancel", async (string id, JobClient client, CancellationToken ct) =>
            {
                var batchId = ParseId(id);
                var result = await client.CancelBatchAsync(batchId, ct).ConfigureAwait(false);
                return result.Status switch
                {
                    JobChangeStatus.NotFound => NotFound(batchId),
                    JobChangeStatus.NotAllowed => ApiJsonResult.Error(StatusCodes.Status409Conflict, result.Batch!.CancelledAt is null
                        ? $"batch {batchId} is complete: every child is final"
                        : $"batch {batchId} was cancelled already"),
                    _ => Answer(StatusCodes.Status200OK, result.Batch!),
                };
            })
            .WithSummary("Cancel a batch's unfinished children; its callback still runs once and sees them cancelled")
            .Produces<Schema.Batch>().Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound).Produces<Schema.ErrorBody>(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> EnqueueAsync(HttpRequest request, JobClient client, ConveyorOptions options, ConveyorWebOptions web,
        TimeProvider time, CancellationToken ct)
    {
        using var body = await RequestBody.ReadJsonAsync(request, web.MaxRequestBytes, ct).ConfigureAwait(false);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new JobValidationException("body", "a batch must be a JSON object: {\"children\": [ … ], \"then\": { … }}");
        List<JobRequest>? children = null;
        JobRequest? then = null;
        TimeSpan? deadline = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name)) throw new JobValidationException(property.Name, $"field '{property.Name}' appears twice");
            switch (property.Name)
            {
                case "children": children = JobRequestReader.ReadMany(property.Value, options.MaxPayloadBytes, "children", "child"); break;
                case "then": then = ReadCallback(property.Value, options.MaxPayloadBytes); break;
                case "deadline": deadline = JobRequestReader.Duration(property.Value, "deadline"); break;
                default: throw new JobValidationException(property.Name, $"unknown field '{property.Name}'");
            }
        }
        if (children is null) throw new JobValidationException("children", "children is required: the batch's jobs");
        if (then is null) throw new JobValidationException("then", "then is required: the callback job that runs once every child is final");
        var batchOptions = deadline is { } after ? new BatchOptions { Deadline = time.GetUtcNow() + after } : null;
        var enqueued = await JobEndpoints.AfterMustExist(() => client.EnqueueBatchAsync(children, then, batchOptions, ct),
            id => JobEndpoints.AfterField(children, "children", id)).ConfigureAwait(false);
        return new ApiJsonResult(StatusCodes.Status201Created, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("batchId", enqueued.BatchId);
            w.WriteNumber("callbackId", enqueued.CallbackJobId);
            w.WriteStartArray("ids");
            foreach (var id in enqueued.ChildIds) w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        }, location: $"batches/{enqueued.BatchId.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    private static JobRequest ReadCallback(JsonElement value, int maxPayloadBytes)
    {
        try
        {
            return JobRequestReader.Read(value, maxPayloadBytes);
        }
        catch (JobValidationException e)
        {
            // The callback itself is not an object: the field is "then", not a field inside it.
            throw new JobValidationException(e.Field == "body" ? "then" : $"then.{e.Field}", $"callback: {e.Reason}");
        }
        catch (ApiProblemException e)
        {
            throw new ApiProblemException(e.StatusCode, $"callback: {e.Message}", $"then.{e.Field}");
        }
    }

    private static long ParseId(string id) =>
        long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ApiProblemException(StatusCodes.Status400BadRequest, $"'{id}' is not a batch id: a positive whole number", "id");

    private static ApiJsonResult Answer(int status, BatchInfo batch) =>
        new(status, w => JsonSerializer.Serialize(w, batch, ConveyorJson.Options));

    private static ApiJsonResult NotFound(long id) => ApiJsonResult.Error(StatusCodes.Status404NotFound, $"batch {id} not found", "id");
}
