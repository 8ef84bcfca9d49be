using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Conveyor.Web.Api;

/// <summary>Reads a JSON request body, bounded: a body over the limit answers 413 before it is parsed.</summary>
internal static class RequestBody
{
    public static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) throw TooLarge(limit);
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new ApiProblemException(StatusCodes.Status415UnsupportedMediaType, $"the body must be application/json (got {type})");
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) throw TooLarge(limit);
        }
        return Parse(buffer.WrittenMemory);
    }

    /// <summary>A body read whole, as JSON: a clear 400 for one that is empty, not UTF-8 text, or not JSON.</summary>
    internal static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) throw new ApiProblemException(StatusCodes.Status400BadRequest, "the body is empty; send a JSON object");
        // The JSON reader lets bytes that are not UTF-8 through inside strings; reading them later would fail as a server error.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "the body is not UTF-8 text: it has bytes no UTF-8 character has");
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            // In plain words with the line and column a person counts, not the reader's own zero-based suffix.
            var problem = Validation.JobValidator.JsonProblem(e, body.ToArray());
            throw new ApiProblemException(StatusCodes.Status400BadRequest, $"the body is not valid JSON: {problem}");
        }
    }

    private static ApiProblemException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"the request body is larger than {limit} bytes");
}
