namespace Conveyor.Web.Api.Schema;

/// <summary>A refused request. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record ErrorBody(string Error, string? Field);
