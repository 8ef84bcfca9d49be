using Conveyor.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conveyor.Web.Api;

/// <summary><c>/api/queues</c>, <c>/api/nodes</c> and <c>/api/stats</c>.</summary>
internal static class ClusterEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        var api = group.MapGroup("").WithTags("Cluster");
        api.MapGet("/queues", QueuesAsync)
            .WithSummary("Queues: counts per state, pause state, slots and busy slots of live nodes").Produces<Schema.QueueList>();
        api.MapPost("/queues/{name}/pause", async (string name, bool? create, JobMonitor monitor, CancellationToken ct) =>
            {
                if (create != true && await UnknownQueueAsync(monitor, name, "pause", ct).ConfigureAwait(false) is { } unknown) return unknown;
                await monitor.PauseQueueAsync(name, ct).ConfigureAwait(false);
                return await QueuesAsync(monitor, ct).ConfigureAwait(false);
            })
            .WithSummary("Stop every node from claiming jobs of the queue (running ones go on); ?create=true for a queue not used yet")
            .Produces<Schema.QueueList>().Produces<Schema.ErrorBody>(StatusCodes.Status400BadRequest).Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound);
        api.MapPost("/queues/{name}/resume", async (string name, JobMonitor monitor, CancellationToken ct) =>
            {
                if (await UnknownQueueAsync(monitor, name, null, ct).ConfigureAwait(false) is { } unknown) return unknown;
                await monitor.ResumeQueueAsync(name, ct).ConfigureAwait(false);
                return await QueuesAsync(monitor, ct).ConfigureAwait(false);
            })
            .WithSummary("Let nodes claim from the queue again")
            .Produces<Schema.QueueList>().Produces<Schema.ErrorBody>(StatusCodes.Status400BadRequest).Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound);
        api.MapGet("/nodes", async (JobMonitor monitor, CancellationToken ct) =>
            {
                var nodes = await monitor.ListNodesAsync(ct).ConfigureAwait(false);
                return new ApiJsonResult(StatusCodes.Status200OK, w => ApiJson.WriteNodes(w, nodes));
            })
            .WithSummary("Live nodes: name, host, pid, started, last heartbeat, leader, stopping, kinds, busy and total slots per queue")
            .Produces<Schema.NodeList>();
        api.MapPost("/nodes/{name}/stop", async (string name, JobMonitor monitor, CancellationToken ct) =>
                await monitor.StopNodeAsync(name, ct).ConfigureAwait(false)
                    ? Results.NoContent()
                    : ApiJsonResult.Error(StatusCodes.Status404NotFound, $"no live node is named '{name}'", "name"))
            .WithSummary("Ask a live node, through the store, to drain and exit (it sees the request with its next heartbeat)")
            .Produces(StatusCodes.Status204NoContent).Produces<Schema.ErrorBody>(StatusCodes.Status404NotFound);
        api.MapGet("/stats", StatsAsync)
            .WithSummary("Jobs per state over every queue; how many queues and live nodes; jobs that ended per minute over the last hour").Produces<Schema.Stats>();
    }

    /// <summary>
    /// As <c>conveyor queues pause</c>: a queue no job and no node has used is more likely a typo than a plan, so it is
    /// 404 (nothing created) unless the pause asks for <c>?create=true</c>.
    /// </summary>
    private static async Task<IResult?> UnknownQueueAsync(JobMonitor monitor, string name, string? verb, CancellationToken ct)
    {
        if (await monitor.IsKnownQueueAsync(name, ct).ConfigureAwait(false)) return null;
        var hint = verb is null ? "" : $"; add ?create=true to {verb} it before first use";
        return ApiJsonResult.Error(StatusCodes.Status404NotFound, $"no queue {name}: no job and no node has used it{hint}", "name");
    }

    private static async Task<IResult> QueuesAsync(JobMonitor monitor, CancellationToken ct)
    {
        var queues = await monitor.ListQueueStatusesAsync(ct).ConfigureAwait(false);
        return new ApiJsonResult(StatusCodes.Status200OK, w => ApiJson.WriteQueues(w, queues));
    }

    private static async Task<IResult> StatsAsync(JobMonitor monitor, CancellationToken ct)
    {
        var queues = await monitor.ListQueueStatusesAsync(ct).ConfigureAwait(false);
        var nodes = await monitor.ListNodesAsync(ct).ConfigureAwait(false);
        var activity = await monitor.GetActivityAsync(ActivityJson.Window, ActivityJson.Bucket, ct).ConfigureAwait(false);
        return new ApiJsonResult(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("store", monitor.StoreName);
            w.WriteStartObject("counts");
            foreach (var state in JobStates.All)
                w.WriteNumber(state.ToWireName(), queues.Sum(q => q.Queue.Counts.TryGetValue(state, out var n) ? n : 0));
            w.WriteEndObject();
            w.WriteNumber("queues", queues.Count);
            w.WriteNumber("nodes", nodes.Count);
            ActivityJson.Write(w, activity);
            w.WriteEndObject();
        });
    }
}
