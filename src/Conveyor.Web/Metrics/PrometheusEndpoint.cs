using System.Text;
using Conveyor.Web.Api;
using Conveyor.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Web.Metrics;

/// <summary>
/// <c>/metrics</c> in the Prometheus text format (0.0.4): the store's jobs per queue and state, each queue's pause
/// state and slots, and each live node's slots, heartbeat age and leadership, read from the store at each scrape; then
/// this process's own counters, histograms and gauges of the <c>Conveyor</c> meter (<see cref="MeterCollector"/>).
/// Needs the API key when one is set (Prometheus sends it with <c>authorization: credentials</c>).
/// </summary>
internal static class PrometheusEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(IEndpointRouteBuilder group, ApiKeyCheck keys)
    {
        // Listening starts now, so the counters include every job since the app mapped its endpoints.
        var meters = group.ServiceProvider.GetRequiredService<MeterCollector>();
        group.MapGet("/metrics", async (HttpContext context, JobMonitor monitor, CancellationToken ct) =>
        {
            if (!keys.Allows(context.Request))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return ApiJsonResult.Error(StatusCodes.Status401Unauthorized, "/metrics needs the API key: send Authorization: Bearer KEY");
            }
            var queues = await monitor.ListQueueStatusesAsync(ct).ConfigureAwait(false);
            var nodes = await monitor.ListNodesAsync(ct).ConfigureAwait(false);
            var time = context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
            var text = new StringBuilder(Render(queues, nodes, time.GetUtcNow()));
            meters.Render(text);
            return Results.Text(text.ToString(), ContentType);
        }).ExcludeFromDescription();
    }

    internal static string Render(IReadOnlyList<QueueStatus> queues, IReadOnlyList<NodeStatus> nodes, DateTimeOffset now)
    {
        var text = new StringBuilder();
        PrometheusWriter.Family(text, "conveyor_jobs", "Jobs in the store, by queue and state.");
        foreach (var queue in queues)
            foreach (var state in JobStates.All)
                PrometheusWriter.Sample(text, "conveyor_jobs", queue.Queue.Counts.TryGetValue(state, out var n) ? n : 0, ("queue", queue.Queue.Name), ("state", state.ToWireName()));
        PrometheusWriter.Family(text, "conveyor_queue_paused", "1 when the queue is paused.");
        foreach (var queue in queues) PrometheusWriter.Sample(text, "conveyor_queue_paused", queue.Queue.Paused ? 1 : 0, ("queue", queue.Queue.Name));
        PrometheusWriter.Family(text, "conveyor_queue_slots", "Worker slots the live nodes give the queue.");
        foreach (var queue in queues) PrometheusWriter.Sample(text, "conveyor_queue_slots", queue.Slots, ("queue", queue.Queue.Name));
        PrometheusWriter.Family(text, "conveyor_queue_busy_slots", "Of the queue's slots, those running a job at the nodes' last heartbeat.");
        foreach (var queue in queues) PrometheusWriter.Sample(text, "conveyor_queue_busy_slots", queue.Busy, ("queue", queue.Queue.Name));
        PrometheusWriter.Family(text, "conveyor_nodes", "Live nodes in the registry.");
        PrometheusWriter.Sample(text, "conveyor_nodes", nodes.Count);
        PrometheusWriter.Family(text, "conveyor_node_leader", "1 for the node that holds the leadership.");
        foreach (var node in nodes) PrometheusWriter.Sample(text, "conveyor_node_leader", node.Leader ? 1 : 0, ("node", node.Node.Name));
        PrometheusWriter.Family(text, "conveyor_node_heartbeat_age_seconds", "Seconds since the node's last heartbeat.");
        foreach (var node in nodes)
            PrometheusWriter.Sample(text, "conveyor_node_heartbeat_age_seconds", Math.Max(0, (now - node.Node.HeartbeatAt).TotalSeconds), ("node", node.Node.Name));
        PrometheusWriter.Family(text, "conveyor_node_slots", "Worker slots of the node, by queue.");
        foreach (var node in nodes)
            foreach (var (queue, slots) in node.Node.Queues) PrometheusWriter.Sample(text, "conveyor_node_slots", slots.Slots, ("node", node.Node.Name), ("queue", queue));
        PrometheusWriter.Family(text, "conveyor_node_busy_slots", "Of the node's slots, those running a job at its last heartbeat, by queue.");
        foreach (var node in nodes)
            foreach (var (queue, slots) in node.Node.Queues) PrometheusWriter.Sample(text, "conveyor_node_busy_slots", slots.Busy, ("node", node.Node.Name), ("queue", queue));
        return text.ToString();
    }
}
