namespace Conveyor.Web.Api.Schema;

/// <summary>
/// The body of POST /api/batches: the children, the callback (<c>then</c>) and an optional deadline as a duration
/// (<c>"10m"</c>). Describes the wire shape in the OpenAPI document; the body is read by BatchEndpoints.
/// </summary>
internal sealed record BatchSubmission(IReadOnlyList<JobSubmission> Children, JobSubmission Then, string? Deadline);
