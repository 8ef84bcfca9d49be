namespace Conveyor.Storage.Memory;

/// <summary>One batch as the memory store holds it; only touched under the store's lock.</summary>
internal sealed class MemoryBatch
{
    public required long Id { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required long CallbackJobId { get; init; }
    public required DateTimeOffset? Deadline { get; init; }
    /// <summary>Child ids in id order (deleted ones are skipped when read).</summary>
    public List<long> Children { get; } = [];
    public int Remaining { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string? CancelReason { get; set; }
}
