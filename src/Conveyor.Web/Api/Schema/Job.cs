using System.Text.Json;

namespace Conveyor.Web.Api.Schema;

/// <summary>
/// A job. Describes the wire shape in the OpenAPI document; the bodies are written by ApiJson. <c>noHandler</c> is
/// present (and true) only on <c>GET /api/jobs/{id}</c> of an available job that no live node serving its queue runs.
/// </summary>
internal sealed record Job(long Id, string Kind, string Queue, string State, JsonElement Args, int Priority, int Attempt, int MaxAttempts, DateTimeOffset RunAt, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, long? TimeoutMs, string? OrderingKey, string? UniqueKey, string? AffinityKey, long? After, long? BatchId, string? Node, DateTimeOffset? LeaseExpiresAt, Progress? Progress, JsonElement? Result, IReadOnlyList<JobError> Errors, bool? NoHandler);
