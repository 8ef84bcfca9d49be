namespace Conveyor.Web.Api.Schema;

/// <summary>A live node. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record Node(string Name, string Host, int Pid, string Version, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, bool Leader, bool Stopping, int Busy, int Slots, IReadOnlyList<string> Kinds, IReadOnlyDictionary<string, NodeQueue> Queues);
