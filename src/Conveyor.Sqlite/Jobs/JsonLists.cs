using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conveyor.Sqlite.Jobs;

/// <summary>Lists passed to SQL as one JSON array parameter and read back with <c>json_each</c>.</summary>
internal static class JsonLists
{
    public static string Ids(IEnumerable<long> ids)
    {
        var text = new StringBuilder("[");
        foreach (var id in ids)
        {
            if (text.Length > 1)
                text.Append(',');
            text.Append(id.ToString(CultureInfo.InvariantCulture));
        }
        return text.Append(']').ToString();
    }

    public static string Strings(IEnumerable<string> values)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
                writer.WriteStringValue(value);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
