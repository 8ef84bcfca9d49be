namespace Conveyor.Web.Api.Schema;

/// <summary>An ordering key: the job that holds it (null when none waits or runs), the jobs waiting behind it in the order they will run (at most 199), and whether more wait. Describes the wire shape in the OpenAPI document.</summary>
internal sealed record OrderingKey(string Key, Job? Holder, IReadOnlyList<Job> Waiting, bool More);
