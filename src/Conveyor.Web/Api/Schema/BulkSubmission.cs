namespace Conveyor.Web.Api.Schema;

/// <summary>The body of POST /api/jobs/bulk. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record BulkSubmission(IReadOnlyList<JobSubmission> Jobs);
