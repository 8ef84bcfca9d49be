using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.Web.Api;

/// <summary><c>/api/batches/{id}</c>: a batch as <c>conveyor batches show --json</c> writes it, and its cancellation.</summary>
internal static class BatchEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        var api = group.MapGroup("").WithTags("Batches");
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

    private static long ParseId(string id) =>
        long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ApiProblemException(StatusCodes.Status400BadRequest, $"'{id}' is not a batch id: a positive whole number", "id");

    private static ApiJsonResult Answer(int status, BatchInfo batch) =>
        new(status, w => JsonSerializer.Serialize(w, batch, ConveyorJson.Options));

    private static ApiJsonResult NotFound(long id) => ApiJsonResult.Error(StatusCodes.Status404NotFound, $"batch {id} not found", "id");
}
