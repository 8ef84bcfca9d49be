namespace Conveyor.Web.Api.Schema;

/// <summary>A batch's callback job. Describes the wire shape in the OpenAPI document.</summary>
internal sealed record BatchCallback(long Id, string? Kind, string? State);
