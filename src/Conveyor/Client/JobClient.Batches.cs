using System.Data.Common;
using Conveyor.Dispatching;
using Conveyor.Storage;
using Conveyor.Validation;

namespace Conveyor;

public sealed partial class JobClient
{
    /// <summary>The most children one batch may have.</summary>
    public const int MaxBatchChildren = 1_000_000;

    /// <summary>
    /// Enqueues a batch: <paramref name="children"/> and the callback <paramref name="then"/>, stored in one transaction.
    /// The callback waits (state <c>waiting</c>) until every child is final (succeeded, dead or cancelled), then becomes
    /// <c>available</c> exactly once; its <see cref="JobContext.GetBatchAsync"/> and
    /// <see cref="JobContext.ReadBatchChildrenAsync"/> give the children's states and results. Children and callback may
    /// not have a unique key (an existing job would join the batch), and the callback no <c>after</c> (it waits for the
    /// batch). Throws <see cref="JobValidationException"/> for bad input and <see cref="NotSupportedException"/> when the
    /// store has no batches.
    /// </summary>
    public Task<BatchEnqueueResult> EnqueueBatchAsync(IReadOnlyList<JobRequest> children, JobRequest then, BatchOptions? options = null, CancellationToken cancellationToken = default) =>
        InsertBatchAsync(children, then, options, null, cancellationToken);

    /// <summary>Enqueues a batch inside the caller's own open transaction (committed or rolled back by the caller).</summary>
    public Task<BatchEnqueueResult> EnqueueBatchAsync(DbTransaction transaction, IReadOnlyList<JobRequest> children, JobRequest then, BatchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return InsertBatchAsync(children, then, options, transaction, cancellationToken);
    }

    /// <summary>Enqueues a batch of typed children with a typed callback (see the untyped overload for the rules).</summary>
    public Task<BatchEnqueueResult> EnqueueBatchAsync<TChild, TThen>(IEnumerable<TChild> children, TThen then, JobOptions? childOptions = null, JobOptions? thenOptions = null,
        BatchOptions? options = null, CancellationToken cancellationToken = default)
        where TChild : IJobArgs
        where TThen : IJobArgs
    {
        ArgumentNullException.ThrowIfNull(children);
        return InsertBatchAsync([.. children.Select(c => Request(c, childOptions))], Request(then, thenOptions), options, null, cancellationToken);
    }

    /// <summary>One batch with its children's counts per state, or null.</summary>
    public Task<BatchInfo?> GetBatchAsync(long id, CancellationToken cancellationToken = default) =>
        RequireBatches().GetBatchAsync(new GetBatchParams(id), cancellationToken);

    /// <summary>
    /// Cancels a batch's unfinished children (running ones at their node's next heartbeat). The callback is not
    /// cancelled: it runs once, seeing those children cancelled. A complete or already cancelled batch:
    /// <see cref="JobChangeStatus.NotAllowed"/>.
    /// </summary>
    public async Task<BatchChangeResult> CancelBatchAsync(long id, CancellationToken cancellationToken = default)
    {
        var batches = RequireBatches();
        return await batches.CancelBatchAsync(new CancelBatchParams(id, await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false), "cancelled"),
            cancellationToken).ConfigureAwait(false);
    }

    private IBatchStore RequireBatches() =>
        _store.Batches ?? throw new NotSupportedException($"the {_store.Name} store has no batches");

    private async Task<BatchEnqueueResult> InsertBatchAsync(IReadOnlyList<JobRequest> children, JobRequest then, BatchOptions? options, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(children);
        var batches = RequireBatches();
        if (transaction is not null && !_store.Capabilities.SupportsTransactionalEnqueue)
            throw new NotSupportedException($"the {_store.Name} store cannot enqueue inside the caller's transaction");
        if (children.Count == 0)
            throw new JobValidationException("children", "a batch needs at least one child");
        if (children.Count > MaxBatchChildren)
            throw new JobValidationException("children", $"a batch may have at most {MaxBatchChildren} children (got {children.Count})");
        var now = await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false);
        if (options?.Deadline is { } deadline && (deadline <= now || deadline - now > JobValidator.MaxHorizon))
            throw new JobValidationException("deadline", "deadline must be later than now and at most 100 years (36525 days) ahead");
        if (then is null) throw new JobValidationException("then", "a batch needs a callback job");
        NewJob callback;
        try
        {
            callback = _validator.Validate(then, now);
        }
        catch (JobValidationException e)
        {
            throw new JobValidationException($"then.{e.Field}", $"callback: {e.Reason}");
        }
        if (callback.UniqueKey is not null)
            throw new JobValidationException("then.uniqueKey", "callback: a batch's callback cannot have a unique key");
        if (callback.AfterJobId is not null)
            throw new JobValidationException("then.after", "callback: a batch's callback waits for its batch, not for another job (after)");
        var jobs = new NewJob[children.Count];
        for (var i = 0; i < jobs.Length; i++)
        {
            var request = children[i] ?? throw new JobValidationException("children", $"child {i} is null");
            try
            {
                jobs[i] = _validator.Validate(request, now);
            }
            catch (JobValidationException e)
            {
                throw new JobValidationException($"children[{i}].{e.Field}", $"child {i}: {e.Reason}");
            }
            if (jobs[i].UniqueKey is not null)
                throw new JobValidationException($"children[{i}].uniqueKey", $"child {i}: a batch's children cannot have unique keys (an existing job would join the batch)");
        }
        // One enqueue span for the whole batch; the callback and every child continue its trace when they run.
        using var activity = _metrics?.Tracing.StartEnqueue(jobs);
        var (traceParent, traceState) = Observability.ConveyorTracing.ContextToStore(activity);
        if (traceParent is not null)
        {
            for (var i = 0; i < jobs.Length; i++) jobs[i] = jobs[i] with { TraceParent = traceParent, TraceState = traceState };
            callback = callback with { TraceParent = traceParent, TraceState = traceState };
        }
        InsertedBatch inserted;
        try
        {
            inserted = await batches.InsertBatchAsync(new InsertBatchParams(jobs, callback, options?.Deadline, now, transaction), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Observability.ConveyorTracing.Failed(activity, e);
            throw;
        }
        if (_metrics?.Enqueued is { Enabled: true } enqueued)
        {
            foreach (var job in jobs) enqueued.Add(1, new("queue", job.Queue), new("kind", job.Kind));
            enqueued.Add(1, new("queue", callback.Queue), new("kind", callback.Kind));
        }
        return new BatchEnqueueResult(inserted.BatchId, inserted.CallbackJobId, inserted.ChildIds);
    }
}
