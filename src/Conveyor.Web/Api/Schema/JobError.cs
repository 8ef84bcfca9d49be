namespace Conveyor.Web.Api.Schema;

/// <summary>One failed attempt. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson.</summary>
internal sealed record JobError(int Attempt, DateTimeOffset At, string Type, string Message, string? Stack);
