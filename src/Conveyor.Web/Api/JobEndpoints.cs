using System.Globalization;
using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Storage;
using Conveyor.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.Web.Api;

/// <summary><c>/api/jobs</c>: enqueue (one or many), get, list, retry, cancel, delete.</summary>
internal static class JobEndpoints
{
    public static void Map(RouteGroupBuilder group, ConveyorWebOptions web)
    {
        var api = group.MapGroup("").WithTags("Jobs");
        api.MapPost("/jobs", (HttpRequest request, JobClient client, ConveyorOptions options, CancellationToken ct) =>
                EnqueueAsync(request, client, options, web, ct))
            .WithSummary("Enqueue a job").WithJsonBody<Schema.JobSubmission>()
            .Produces<Schema.Job>(StatusCodes.Status201Created).Produces<Schema.Job>(StatusCodes.Status200OK)
            .Produces<Schema.ErrorBody>(StatusCodes.Status400BadRequest).Produces<Schema.ErrorBody>(StatusCodes.Status413PayloadTooLarge)
            .Produces<Schema.ErrorBody>(StatusCodes.Status429TooManyRequests);
        api.MapPost("/jobs/bulk", (HttpRequest request, JobClient client, ConveyorOptions options, CancellationToken ct) =>
                EnqueueBulkAsync(request, client, options, web, ct))
            .WithSummary("Enqueue many jobs atomically").WithJsonBody<Schema.BulkSubmission>()
            .Produces<Schema.BulkResult>(StatusCodes.Status201Created)
            .Produces<Schema.ErrorBody>(StatusCodes.Status400BadRequest).Produces<Schema.ErrorBody>(StatusCodes.Status413PayloadTooLarge)
            .Produces<Schema.ErrorBody>(StatusCodes.Status429TooManyRequests);
        api.MapGet("/jobs", ListAsync)
            .WithSummary("List jobs, newest first, one page at a time").WithJobListQuery()
            .Produces<Schema.JobPage>().Produces<Schema.ErrorBody>(StatusCodes.Status400BadRequest);
        api.MapGet("/jobs/{id}", GetAsync)
            .WithSummary("One job").Produces<Schema.Job>().Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound);
        api.MapPost("/jobs/{id}/retry", (string id, JobClient client, CancellationToken ct) =>
                ChangeAsync(id, "retry", client.RetryAsync, ct))
            .WithSummary("Run a dead, cancelled, retrying or scheduled job again now")
            .Produces<Schema.Job>().Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound).Produces<Schema.ErrorBody>(StatusCodes.Status409Conflict);
        api.MapPost("/jobs/{id}/cancel", (string id, JobClient client, CancellationToken ct) =>
                ChangeAsync(id, "cancel", client.CancelAsync, ct))
            .WithSummary("Cancel a job that is not final")
            .Produces<Schema.Job>().Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound).Produces<Schema.ErrorBody>(StatusCodes.Status409Conflict);
        api.MapDelete("/jobs/{id}", (string id, JobClient client, CancellationToken ct) =>
                ChangeAsync(id, "delete", client.DeleteAsync, ct))
            .WithSummary("Delete a job that is not running")
            .Produces(StatusCodes.Status204NoContent).Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound).Produces<Schema.ErrorBody>(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> EnqueueAsync(HttpRequest request, JobClient client, ConveyorOptions options, ConveyorWebOptions web, CancellationToken ct)
    {
        using var body = await RequestBody.ReadJsonAsync(request, web.MaxRequestBytes, ct).ConfigureAwait(false);
        var job = JobRequestReader.Read(body.RootElement, options.MaxPayloadBytes);
        var result = await AfterMustExist(() => client.EnqueueAsync(job, ct)).ConfigureAwait(false);
        var stored = await client.GetAsync(result.Id, ct).ConfigureAwait(false)
            ?? throw new ApiProblemException(StatusCodes.Status500InternalServerError, $"job {result.Id} was enqueued but is gone already");
        return new ApiJsonResult(result.Existing ? StatusCodes.Status200OK : StatusCodes.Status201Created,
            w => ApiJson.WriteJob(w, stored), location: $"jobs/{result.Id.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// An enqueue whose <c>after</c> names no job is bad input (400, nothing stored), not a server error.
    /// <paramref name="field"/> names the field by the missing job's id (<c>jobs[3].after</c> in a bulk).
    /// </summary>
    internal static async Task<T> AfterMustExist<T>(Func<Task<T>> enqueue, Func<long, string>? field = null)
    {
        try
        {
            return await enqueue().ConfigureAwait(false);
        }
        catch (JobNotFoundException e)
        {
            throw new JobValidationException(field?.Invoke(e.JobId) ?? "after", $"after names job {e.JobId}, which does not exist");
        }
    }

    /// <summary>The path of the first request in <paramref name="requests"/> whose <c>after</c> is <paramref name="jobId"/>.</summary>
    internal static string AfterField(IReadOnlyList<JobRequest> requests, string list, long jobId)
    {
        for (var i = 0; i < requests.Count; i++)
            if (requests[i].Options?.After == jobId) return $"{list}[{i}].after";
        return "after";
    }

    private static async Task<IResult> EnqueueBulkAsync(HttpRequest request, JobClient client, ConveyorOptions options, ConveyorWebOptions web, CancellationToken ct)
    {
        using var body = await RequestBody.ReadJsonAsync(request, web.MaxRequestBytes, ct).ConfigureAwait(false);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("jobs", out var jobs))
            throw new JobValidationException("jobs", "the body must be {\"jobs\": [ … ]}");
        var fields = 0;
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name != "jobs") throw new JobValidationException(property.Name, $"unknown field '{property.Name}'");
            if (++fields > 1) throw new JobValidationException("jobs", "field 'jobs' appears twice");
        }
        var requests = JobRequestReader.ReadMany(jobs, options.MaxPayloadBytes);
        var results = await AfterMustExist(() => client.EnqueueManyAsync(requests, ct), id => AfterField(requests, "jobs", id)).ConfigureAwait(false);
        return new ApiJsonResult(StatusCodes.Status201Created, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("ids");
            foreach (var result in results) w.WriteNumberValue(result.Id);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task<IResult> GetAsync(string id, JobClient client, JobMonitor monitor, CancellationToken ct)
    {
        var jobId = ParseId(id);
        var job = await client.GetAsync(jobId, ct).ConfigureAwait(false);
        if (job is null) return NotFound(jobId);
        // As `conveyor jobs show --json`: an available job that no live node serving its queue runs says so.
        job = await monitor.WithNoHandlerAsync(job, ct).ConfigureAwait(false);
        return new ApiJsonResult(StatusCodes.Status200OK, w => ApiJson.WriteJob(w, job));
    }

    private static async Task<IResult> ListAsync(HttpRequest request, JobClient client, CancellationToken ct)
    {
        var query = request.Query;
        JobState? state = null;
        if (Single(query, "state") is { } stateName)
        {
            if (!JobStates.TryParse(stateName, out var parsed))
                throw new JobValidationException("state", $"unknown state '{stateName}': use one of {string.Join(", ", JobStates.All.Select(s => s.ToWireName()))}");
            state = parsed;
        }
        var limit = JobQuery.DefaultLimit;
        if (Single(query, "limit") is { } limitText && !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
            throw new JobValidationException("limit", $"limit must be a whole number between 1 and {JobQuery.MaxLimit} (got '{limitText}')");
        var page = await client.ListAsync(new JobQuery
        {
            State = state,
            Queue = Single(query, "queue"),
            Kind = Single(query, "kind"),
            Limit = limit,
            Cursor = Single(query, "cursor"),
        }, ct).ConfigureAwait(false);
        return new ApiJsonResult(StatusCodes.Status200OK, w => ApiJson.WriteJobPage(w, page));
    }

    private static async Task<IResult> ChangeAsync(string id, string verb, Func<long, CancellationToken, Task<JobChangeResult>> change, CancellationToken ct)
    {
        var jobId = ParseId(id);
        var result = await change(jobId, ct).ConfigureAwait(false);
        return result.Status switch
        {
            JobChangeStatus.NotFound => NotFound(jobId),
            JobChangeStatus.NotAllowed => ApiJsonResult.Error(StatusCodes.Status409Conflict,
                $"cannot {verb} job {jobId}: it is {result.Job?.State.ToWireName() ?? "in another state"}; {Allowed(verb)}"),
            JobChangeStatus.Conflict => ApiJsonResult.Error(StatusCodes.Status409Conflict, $"cannot {verb} job {jobId}: {result.Reason}"),
            _ when result.Job is { } job => new ApiJsonResult(StatusCodes.Status200OK, w => ApiJson.WriteJob(w, job)),
            _ => Results.NoContent(),
        };
    }

    private static string Allowed(string verb) => verb switch
    {
        "retry" => "only dead, cancelled, retrying or scheduled jobs can be retried",
        "cancel" => "final jobs (succeeded, dead, cancelled) cannot be cancelled",
        _ => "a running job cannot be deleted (cancel it first)",
    };

    private static IResult NotFound(long id) => ApiJsonResult.Error(StatusCodes.Status404NotFound, $"job {id} not found");

    private static long ParseId(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new JobValidationException("id", $"'{text}' is not a job id (a positive whole number)");

    /// <summary>A query parameter given at most once; empty counts as not given.</summary>
    private static string? Single(IQueryCollection query, string name)
    {
        var values = query[name];
        if (values.Count > 1) throw new JobValidationException(name, $"{name} is given {values.Count} times");
        return string.IsNullOrEmpty(values.ToString()) ? null : values.ToString();
    }
}
