namespace Conveyor.Web.Api.Schema;

/// <summary>A page of jobs; next is the cursor of the following page, null on the last. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record JobPage(IReadOnlyList<Job> Jobs, string? Next);
