using System.Text.Json.Serialization;
using Conveyor.Serialization;

namespace Conveyor;

/// <summary>
/// A batch (fan-out / fan-in): its children's counts per state and its callback. Serialises to the batch JSON of
/// <c>conveyor batches show --json</c> (see <see cref="BatchInfoJsonConverter"/>).
/// </summary>
[JsonConverter(typeof(BatchInfoJsonConverter))]
public sealed record BatchInfo
{
    public required long Id { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>The job released when every child is final.</summary>
    public required long CallbackJobId { get; init; }
    /// <summary>The callback's kind; null when the callback job was deleted.</summary>
    public string? CallbackKind { get; init; }
    /// <summary>The callback's state; null when the callback job was deleted.</summary>
    public JobState? CallbackState { get; init; }
    /// <summary>Children inserted with the batch.</summary>
    public required int Total { get; init; }
    /// <summary>Children not final yet (the callback is released when this reaches 0).</summary>
    public required int Remaining { get; init; }
    /// <summary>The children that still exist, per state; every state is present.</summary>
    public required IReadOnlyDictionary<JobState, long> Counts { get; init; }
    /// <summary>When unfinished children are cancelled by the leader; null for none.</summary>
    public DateTimeOffset? Deadline { get; init; }
    /// <summary>When the batch was cancelled (by a person or its deadline); null when it was not.</summary>
    public DateTimeOffset? CancelledAt { get; init; }
    /// <summary>Why it was cancelled.</summary>
    public string? CancelReason { get; init; }

    /// <summary>True once every child is final (the callback has been released).</summary>
    public bool Complete => Remaining == 0;
}
