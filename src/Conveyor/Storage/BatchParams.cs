using System.Data.Common;

namespace Conveyor.Storage;

/// <summary>A batch to insert atomically.</summary>
/// <param name="Children">The children, in order (at least one); their <see cref="NewJob.BatchId"/> is set by the store.</param>
/// <param name="Callback">The job released when every child is final.</param>
/// <param name="Deadline">When the batch's unfinished children are cancelled (by the leader); null for none.</param>
/// <param name="Now">The time of the enqueue (created_at).</param>
/// <param name="Transaction">The caller's own open transaction to join (see <see cref="InsertJobsParams.Transaction"/>).</param>
public sealed record InsertBatchParams(IReadOnlyList<NewJob> Children, NewJob Callback, DateTimeOffset? Deadline, DateTimeOffset Now, DbTransaction? Transaction = null);

/// <summary>What <see cref="IBatchStore.InsertBatchAsync"/> stored.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="CallbackJobId">The callback job.</param>
/// <param name="ChildIds">The children's ids, in input order.</param>
public sealed record InsertedBatch(long BatchId, long CallbackJobId, IReadOnlyList<long> ChildIds);

/// <summary>Identifies one batch: by its id, or by the id of its callback job.</summary>
/// <param name="Id">The batch's id (when <paramref name="ByCallback"/> is false) or its callback job's id.</param>
/// <param name="ByCallback">Look the batch up by its callback job.</param>
public sealed record GetBatchParams(long Id, bool ByCallback = false);

/// <summary>A page of a batch's children.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="AfterId">The cursor: only children with a larger id (0 for the first page).</param>
/// <param name="Limit">Page size (1–10,000).</param>
public sealed record ListBatchChildrenParams(long BatchId, long AfterId = 0, int Limit = 1000);

/// <summary>A page of children; <see cref="NextAfterId"/> is null on the last page.</summary>
public sealed record BatchChildPage(IReadOnlyList<BatchChild> Children, long? NextAfterId);

/// <summary>Cancel a batch's unfinished children at <paramref name="Now"/>.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="Now">The time of the cancel (the children's finished_at).</param>
/// <param name="Reason">Why, recorded on the batch (<see cref="BatchInfo.CancelReason"/>).</param>
public sealed record CancelBatchParams(long BatchId, DateTimeOffset Now, string Reason);

/// <summary>The outcome of a batch cancel, with the batch as it is now (null when not found).</summary>
public sealed record BatchChangeResult(JobChangeStatus Status, BatchInfo? Batch);

/// <summary>Find batches whose deadline has passed.</summary>
public sealed record ListOverdueBatchesParams(DateTimeOffset Now, int Limit = 100);
