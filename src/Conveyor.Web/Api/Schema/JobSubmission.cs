using System.Text.Json;

namespace Conveyor.Web.Api.Schema;

/// <summary>The body of POST /api/jobs. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record JobSubmission(string Kind, JsonElement? Args, string? Queue, int? Priority, DateTimeOffset? RunAt, string? Delay, int? MaxAttempts, string? Timeout, string? OrderingKey, string? UniqueKey, string? UniqueFor, string? AffinityKey, long? After);
