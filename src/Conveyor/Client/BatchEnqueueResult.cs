namespace Conveyor;

/// <summary>What an enqueue of a batch stored.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="CallbackJobId">The callback job, <c>waiting</c> until every child is final.</param>
/// <param name="ChildIds">The children's ids, in input order.</param>
public sealed record BatchEnqueueResult(long BatchId, long CallbackJobId, IReadOnlyList<long> ChildIds);
