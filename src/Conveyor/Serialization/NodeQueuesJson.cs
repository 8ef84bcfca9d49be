using System.Buffers;
using System.Text;
using System.Text.Json;
using Conveyor.Storage;

namespace Conveyor.Serialization;

/// <summary>
/// The JSON of a node's slots per queue, <c>{"default": {"busy": 2, "slots": 8}, …}</c>: the <c>queues</c> of the
/// nodes API and how stores keep the registry column.
/// </summary>
public static class NodeQueuesJson
{
    /// <summary>Writes the object, queues in ordinal order of their names (the same text for the same slots).</summary>
    public static void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, NodeQueueSlots> queues)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(queues);
        writer.WriteStartObject();
        foreach (var (name, slots) in queues.OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(name);
            writer.WriteNumber("busy", slots.Busy);
            writer.WriteNumber("slots", slots.Slots);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    /// <summary>The object as JSON text.</summary>
    public static string ToJson(IReadOnlyDictionary<string, NodeQueueSlots> queues)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, queues);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads the object back.</summary>
    public static Dictionary<string, NodeQueueSlots> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var queues = new Dictionary<string, NodeQueueSlots>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var queue in document.RootElement.EnumerateObject())
            queues[queue.Name] = new NodeQueueSlots(queue.Value.GetProperty("busy").GetInt32(), queue.Value.GetProperty("slots").GetInt32());
        return queues;
    }
}
