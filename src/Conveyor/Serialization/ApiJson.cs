using System.Buffers;
using System.Text;
using System.Text.Json;
using Conveyor.Storage;

namespace Conveyor.Serialization;

/// <summary>
/// The JSON bodies of Conveyor's HTTP API, written in one place so that the CLI's <c>--json</c>
/// output and the API answer the same question with the same bytes: a job, a page of jobs
/// (<c>{"jobs": […], "next": cursor}</c>), the queues (<c>{"queues": […]}</c>), the nodes
/// (<c>{"nodes": […]}</c>) and an error (<c>{"error": …, "field": …}</c>). Output is compact.
/// </summary>
public static class ApiJson
{
    private static readonly JobInfoJsonConverter JobConverter = new();

    /// <summary>Writes the job JSON of the contract.</summary>
    public static void WriteJob(Utf8JsonWriter writer, JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(job);
        JobConverter.Write(writer, job, ConveyorJson.Options);
    }

    /// <summary>
    /// Writes <c>{"jobs": [...], "next": cursor}</c>; <c>next</c> is an opaque string to pass back as the
    /// <c>cursor</c> of the following page, or null on the last page.
    /// </summary>
    public static void WriteJobPage(Utf8JsonWriter writer, JobPage page)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(page);
        writer.WriteStartObject();
        writer.WriteStartArray("jobs");
        foreach (var job in page.Jobs) WriteJob(writer, job);
        writer.WriteEndArray();
        if (page.NextCursor is { } next) writer.WriteString("next", next.ToString(System.Globalization.CultureInfo.InvariantCulture));
        else writer.WriteNull("next");
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>{"queues": [{"name", "paused", "counts": {every state}, "slots", "busy", "nodes", "globalLimit",
    /// "rateLimit", "ordered", "maxBacklog", "noHandler"}]}</c>, in the order given: slots, busy and nodes are the
    /// queue's concurrency across live nodes (<see cref="QueueStatus"/>); the limits are null (false) when not set
    /// (<see cref="QueueLimits"/>, the rate limit as <c>"100/1m"</c>); noHandler counts the available jobs whose kind no
    /// live node serving the queue handles.
    /// </summary>
    public static void WriteQueues(Utf8JsonWriter writer, IReadOnlyList<QueueStatus> queues)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(queues);
        writer.WriteStartObject();
        writer.WriteStartArray("queues");
        foreach (var (queue, slots, busy, nodes) in queues)
        {
            writer.WriteStartObject();
            writer.WriteString("name", queue.Name);
            writer.WriteBoolean("paused", queue.Paused);
            writer.WriteStartObject("counts");
            // Every state, zeros included, so a reader never has to guess whether a state is missing or empty.
            foreach (var state in JobStates.All)
                writer.WriteNumber(state.ToWireName(), queue.Counts.TryGetValue(state, out var count) ? count : 0);
            writer.WriteEndObject();
            writer.WriteNumber("slots", slots);
            writer.WriteNumber("busy", busy);
            writer.WriteNumber("nodes", nodes);
            var limits = queue.Limits;
            if (limits.GlobalLimit is { } global) writer.WriteNumber("globalLimit", global); else writer.WriteNull("globalLimit");
            if (limits.RateLimit is { } rate) writer.WriteString("rateLimit", rate.ToString()); else writer.WriteNull("rateLimit");
            writer.WriteBoolean("ordered", limits.Ordered);
            if (limits.MaxBacklog is { } backlog) writer.WriteNumber("maxBacklog", backlog); else writer.WriteNull("maxBacklog");
            writer.WriteNumber("noHandler", queue.NoHandler);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>{"nodes": [{"name", "host", "pid", "version", "startedAt", "heartbeatAt", "leader", "kinds",
    /// "queues": {"default": {"busy", "slots"}}}]}</c>, in the order given.
    /// </summary>
    public static void WriteNodes(Utf8JsonWriter writer, IReadOnlyList<NodeStatus> nodes)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(nodes);
        writer.WriteStartObject();
        writer.WriteStartArray("nodes");
        foreach (var (node, leader) in nodes)
        {
            writer.WriteStartObject();
            writer.WriteString("name", node.Name);
            writer.WriteString("host", node.Host);
            writer.WriteNumber("pid", node.Pid);
            writer.WriteString("version", node.Version);
            writer.WriteString("startedAt", ConveyorJson.FormatTime(node.StartedAt));
            writer.WriteString("heartbeatAt", ConveyorJson.FormatTime(node.HeartbeatAt));
            writer.WriteBoolean("leader", leader);
            writer.WriteBoolean("stopping", node.StopRequested);
            writer.WriteNumber("busy", node.Queues.Values.Sum(q => q.Busy));
            writer.WriteNumber("slots", node.Slots > 0 ? node.Slots : node.Queues.Values.Sum(q => q.Slots));
            writer.WriteStartArray("kinds");
            foreach (var kind in node.Kinds) writer.WriteStringValue(kind);
            writer.WriteEndArray();
            writer.WritePropertyName("queues");
            NodeQueuesJson.Write(writer, node.Queues);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Writes <c>{"error": message, "field": field}</c> (<c>field</c> null when no one field is at fault).</summary>
    public static void WriteError(Utf8JsonWriter writer, string message, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        writer.WriteStartObject();
        writer.WriteString("error", message);
        if (field is null) writer.WriteNull("field"); else writer.WriteString("field", field);
        writer.WriteEndObject();
    }

    /// <summary>Runs one of the writers above into a string: <c>ApiJson.Render(w =&gt; ApiJson.WriteJob(w, job))</c>.</summary>
    public static string Render(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ConveyorJson.Options.Encoder }))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
