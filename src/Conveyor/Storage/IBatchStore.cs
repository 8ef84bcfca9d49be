namespace Conveyor.Storage;

/// <summary>
/// Batches (fan-out / fan-in), an optional role of the store (<see cref="IJobStore.Batches"/>): children and a callback
/// job stored together; the callback is held in <c>waiting</c> until every child is final, then becomes
/// <c>available</c> exactly once. The rule each store applies is <see cref="JobLifecycle.BatchRemainingDelta"/>: every
/// change that makes a child final (a completion, a cancel, a dependent cancelled, a rescue to dead, the delete of an
/// unfinished child) counts it off inside the same transaction, a retry of a final child counts it back, and the
/// change that counts off the last one releases the callback.
/// </summary>
public interface IBatchStore
{
    /// <summary>
    /// Inserts a batch atomically: its record, the callback (held <c>waiting</c>, whatever its run_at; it becomes
    /// <c>available</c> when released and is claimed once its run_at has come) and the children (each with the batch's
    /// id). Children follow the rules of <see cref="IJobExecutionStore.InsertManyAsync"/>; a child whose parent
    /// (<c>after</c>) is dead or cancelled starts cancelled and counts as final at once. When no child is left
    /// unfinished the callback is released in the same transaction. With <see cref="InsertBatchParams.Transaction"/>
    /// everything joins the caller's transaction.
    /// </summary>
    Task<InsertedBatch> InsertBatchAsync(InsertBatchParams parameters, CancellationToken cancellationToken = default);

    /// <summary>One batch with its children's counts per state, or null when there is no such batch.</summary>
    Task<BatchInfo?> GetBatchAsync(GetBatchParams parameters, CancellationToken cancellationToken = default);

    /// <summary>A page of a batch's children in id order: those with an id above <see cref="ListBatchChildrenParams.AfterId"/>.</summary>
    Task<BatchChildPage> ListBatchChildrenAsync(ListBatchChildrenParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels every unfinished child of the batch in one transaction, as <see cref="IJobAdminStore.CancelJobAsync"/>
    /// cancels one (a running child keeps its node and lease; jobs waiting on a child are cancelled too), and marks the
    /// batch cancelled with <see cref="CancelBatchParams.Reason"/>. The callback is not cancelled: the change that
    /// finishes the last child releases it, and it sees the children cancelled. A batch already complete or cancelled:
    /// <see cref="JobChangeStatus.NotAllowed"/>. Returns the batch after the change.
    /// </summary>
    Task<BatchChangeResult> CancelBatchAsync(CancelBatchParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Up to <c>Limit</c> ids of batches neither complete nor cancelled whose deadline is at or before now.</summary>
    Task<IReadOnlyList<long>> ListOverdueBatchesAsync(ListOverdueBatchesParams parameters, CancellationToken cancellationToken = default);
}
