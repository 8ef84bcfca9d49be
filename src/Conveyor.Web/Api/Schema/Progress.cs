namespace Conveyor.Web.Api.Schema;

/// <summary>A running job's progress. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record Progress(int? Percent, string? Message);
