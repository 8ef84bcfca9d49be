namespace Conveyor.Web.Api.Schema;

/// <summary>The nodes. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record NodeList(IReadOnlyList<Node> Nodes);
