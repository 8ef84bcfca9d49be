namespace Conveyor.Web.Api.Schema;

/// <summary>A batch. Describes the wire shape in the OpenAPI document; the bodies are written by BatchInfoJsonConverter.</summary>
internal sealed record Batch(long Id, DateTimeOffset CreatedAt, int Total, int Remaining, bool Complete, DateTimeOffset? Deadline,
    DateTimeOffset? CancelledAt, string? CancelReason, BatchCallback Callback, IReadOnlyDictionary<string, long> Counts);
