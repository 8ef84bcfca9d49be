namespace Conveyor.Web.Api.Schema;

/// <summary>The queues. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record QueueList(IReadOnlyList<Queue> Queues);
