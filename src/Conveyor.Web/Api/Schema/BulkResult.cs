namespace Conveyor.Web.Api.Schema;

/// <summary>The answer of POST /api/jobs/bulk: the new ids in input order. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record BulkResult(IReadOnlyList<long> Ids);
