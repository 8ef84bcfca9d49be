namespace Conveyor.Web.Api.Schema;

/// <summary>Jobs per state over every queue, how many queues and live nodes there are, and the jobs that ended per minute over the last hour. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record Stats(string Store, IReadOnlyDictionary<string, long> Counts, int Queues, int Nodes, Activity Activity);
