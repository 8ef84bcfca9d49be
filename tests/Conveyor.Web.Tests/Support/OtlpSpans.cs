using System.Text;

namespace Conveyor.Web.Tests.Support;

/// <summary>
/// Reads the spans of an OTLP <c>ExportTraceServiceRequest</c> (protobuf) with a reader of the wire format written for the
/// few fields a test needs: resource → service.name; scope name; span trace id, span id, parent span id, name, kind.
/// </summary>
public static class OtlpSpans
{
    /// <summary>One span as exported; ids are lowercase hex, as in a traceparent.</summary>
    public sealed record Span(string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind);

    /// <summary>The OTLP span kinds (<c>SPAN_KIND_…</c>).</summary>
    public const int Server = 2, Producer = 4, Consumer = 5;

    public static IReadOnlyList<Span> Parse(byte[] request)
    {
        var spans = new List<Span>();
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1) continue;
            var service = "";
            var scopes = new List<byte[]>();
            foreach (var (f, value) in Fields(resourceSpans))
            {
                if (f == 1) service = ServiceName(value) ?? "";
                else if (f == 2) scopes.Add(value);
            }
            foreach (var scopeSpans in scopes)
            {
                var scope = "";
                foreach (var (f, value) in Fields(scopeSpans))
                {
                    if (f == 1) scope = Fields(value).Where(p => p.Field == 1).Select(p => Encoding.UTF8.GetString(p.Value)).FirstOrDefault() ?? "";
                    else if (f == 2) spans.Add(ReadSpan(service, scope, value));
                }
            }
        }
        return spans;
    }

    private static Span ReadSpan(string service, string scope, byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        foreach (var (f, value) in Fields(span))
        {
            switch (f)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 6: kind = (int)ReadVarint(value, 0, out _); break;
            }
        }
        return new Span(service, scope, traceId, spanId, parent, name, kind);
    }

    private static string? ServiceName(byte[] resource)
    {
        foreach (var (f, keyValue) in Fields(resource))
        {
            if (f != 1) continue;
            var pairs = Fields(keyValue).ToList();
            var key = pairs.Where(p => p.Field == 1).Select(p => Encoding.UTF8.GetString(p.Value)).FirstOrDefault();
            if (key != "service.name") continue;
            var anyValue = pairs.Single(p => p.Field == 2).Value;
            return Fields(anyValue).Where(p => p.Field == 1).Select(p => Encoding.UTF8.GetString(p.Value)).FirstOrDefault();
        }
        return null;
    }

    /// <summary>
    /// The fields of one message, in order. Length-delimited fields give their bytes; a varint gives its bytes too (read
    /// it with <see cref="ReadVarint"/>); fixed-width fields give their raw bytes.
    /// </summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, position, out position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    var start = position;
                    ReadVarint(message, position, out position);
                    yield return (field, message[start..position]);
                    break;
                case 1:
                    yield return (field, message[position..(position + 8)]);
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, position, out position);
                    yield return (field, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    yield return (field, message[position..(position + 4)]);
                    position += 4;
                    break;
                default:
                    throw new FormatException($"unsupported protobuf wire type {tag & 7} at byte {position}");
            }
        }
    }

    private static ulong ReadVarint(byte[] bytes, int position, out int next)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        next = position;
        return value;
    }
}
