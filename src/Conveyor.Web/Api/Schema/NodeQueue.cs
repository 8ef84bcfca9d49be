namespace Conveyor.Web.Api.Schema;

/// <summary>A node's slots of one queue. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record NodeQueue(int Busy, int Slots);
