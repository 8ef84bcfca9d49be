namespace Conveyor.Web.Api.Schema;

/// <summary>A queue with its counts per state and the slots live nodes give it. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record Queue(string Name, bool Paused, IReadOnlyDictionary<string, long> Counts, int Slots, int Busy, int Nodes);
