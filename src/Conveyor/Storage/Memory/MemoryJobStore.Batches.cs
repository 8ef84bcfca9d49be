namespace Conveyor.Storage.Memory;

// Batches: each child's state change counts it off (or back on) in End and Remove, under the store's lock, so the
// change that finishes the last child releases the callback exactly once.
public sealed partial class MemoryJobStore : IBatchStore
{
    private readonly Dictionary<long, MemoryBatch> _batches = [];
    private readonly Dictionary<long, long> _batchOfCallback = [];
    private long _lastBatchId;

    /// <summary>Batches in this store.</summary>
    public IBatchStore? Batches => this;

    /// <inheritdoc />
    public Task<InsertedBatch> InsertBatchAsync(InsertBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Transaction is not null)
            return Task.FromException<InsertedBatch>(new NotSupportedException("the memory store cannot join a caller's transaction"));
        if (parameters.Children.Count == 0)
            return Task.FromException<InsertedBatch>(new ArgumentException("a batch needs at least one child", nameof(parameters)));
        try
        {
            return Task.FromResult(Change(parameters, static (store, p) => store.InsertBatch(p)));
        }
        catch (Exception e)
        {
            return Task.FromException<InsertedBatch>(e);
        }
    }

    /// <inheritdoc />
    public Task<BatchInfo?> GetBatchAsync(GetBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        lock (_lock)
        {
            var id = parameters.ByCallback ? _batchOfCallback.GetValueOrDefault(parameters.Id) : parameters.Id;
            return Task.FromResult(_batches.TryGetValue(id, out var batch) ? Describe(batch) : null);
        }
    }

    /// <inheritdoc />
    public Task<BatchChildPage> ListBatchChildrenAsync(ListBatchChildrenParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        lock (_lock)
        {
            var children = new List<BatchChild>();
            if (!_batches.TryGetValue(parameters.BatchId, out var batch)) return Task.FromResult(new BatchChildPage(children, null));
            var start = batch.Children.BinarySearch(parameters.AfterId + 1);
            if (start < 0) start = ~start;
            for (var i = start; i < batch.Children.Count; i++)
            {
                if (!_jobs.TryGetValue(batch.Children[i], out var job)) continue;
                if (children.Count == parameters.Limit) return Task.FromResult(new BatchChildPage(children, children[^1].Id));
                children.Add(new BatchChild(job.Id, job.State, job.ResultJson));
            }
            return Task.FromResult(new BatchChildPage(children, null));
        }
    }

    /// <inheritdoc />
    public Task<BatchChangeResult> CancelBatchAsync(CancelBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Task.FromResult(Change(parameters, static (store, p) => store.CancelBatch(p)));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> ListOverdueBatchesAsync(ListOverdueBatchesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        lock (_lock)
        {
            IReadOnlyList<long> overdue = [.. _batches.Values
                .Where(b => b.Remaining > 0 && b.CancelledAt is null && b.Deadline is { } d && d <= parameters.Now)
                .Select(b => b.Id).Order().Take(parameters.Limit)];
            return Task.FromResult(overdue);
        }
    }

    private InsertedBatch InsertBatch(InsertBatchParams parameters)
    {
        foreach (var child in parameters.Children) ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(parameters.Callback);
        var batchId = _lastBatchId + 1;
        // Insert checks everything before it changes anything; the backlog is checked for the whole batch first, so a
        // callback that would overfill its queue leaves no children behind.
        EnsureBacklogRoom([.. parameters.Children, parameters.Callback], parameters.Now);
        var children = Insert([.. parameters.Children.Select(c => c with { BatchId = batchId })], parameters.Now);
        var callbackId = Insert([parameters.Callback], parameters.Now)[0].Id;
        _lastBatchId = batchId;
        var batch = new MemoryBatch { Id = batchId, CreatedAt = parameters.Now, CallbackJobId = callbackId, Deadline = parameters.Deadline };
        foreach (var child in children)
        {
            batch.Children.Add(child.Id);
            if (!_jobs[child.Id].State.IsFinal()) batch.Remaining++;
        }
        _batches.Add(batchId, batch);
        _batchOfCallback.Add(callbackId, batchId);
        var callback = _jobs[callbackId];
        var wasFinal = Begin(callback);
        callback.State = JobState.Waiting;
        End(callback, wasFinal, parameters.Now);
        if (batch.Remaining == 0) ReleaseCallback(batch, parameters.Now);
        return new InsertedBatch(batchId, callbackId, [.. children.Select(c => c.Id)]);
    }

    private BatchChangeResult CancelBatch(CancelBatchParams parameters)
    {
        var batch = _batches.GetValueOrDefault(parameters.BatchId);
        if (JobLifecycle.RefuseBatchCancel(batch is null ? null : Describe(batch)) is { } refused) return refused;
        batch!.CancelledAt = parameters.Now;
        batch.CancelReason = parameters.Reason;
        foreach (var id in batch.Children.ToArray())
        {
            if (_jobs.TryGetValue(id, out var job) && JobLifecycle.CanCancel(job.State)) Cancel(id, parameters.Now);
        }
        return new BatchChangeResult(JobChangeStatus.Done, Describe(batch));
    }

    /// <summary>Counts a batch child's change off (or back on); called by every state change and delete of a child.</summary>
    private void CountBatchChild(MemoryJob job, bool wasFinal, bool isFinal, DateTimeOffset now)
    {
        // A complete batch is closed: its callback was released once and for all.
        if (job.BatchId is not { } batchId || !_batches.TryGetValue(batchId, out var batch) || batch.Remaining == 0) return;
        var delta = JobLifecycle.BatchRemainingDelta(wasFinal, isFinal);
        if (delta == 0) return;
        batch.Remaining += delta;
        if (batch.Remaining == 0) ReleaseCallback(batch, now);
    }

    private void ReleaseCallback(MemoryBatch batch, DateTimeOffset now)
    {
        if (!_jobs.TryGetValue(batch.CallbackJobId, out var callback) || callback.State != JobState.Waiting) return;
        var wasFinal = Begin(callback);
        callback.State = JobState.Available;
        End(callback, wasFinal, now);
    }

    private BatchInfo Describe(MemoryBatch batch)
    {
        var counts = JobStates.All.ToDictionary(s => s, _ => 0L);
        foreach (var id in batch.Children)
        {
            if (_jobs.TryGetValue(id, out var job)) counts[job.State]++;
        }
        var callback = _jobs.GetValueOrDefault(batch.CallbackJobId);
        return new BatchInfo
        {
            Id = batch.Id,
            CreatedAt = batch.CreatedAt,
            CallbackJobId = batch.CallbackJobId,
            CallbackKind = callback?.Kind,
            CallbackState = callback?.State,
            Total = batch.Children.Count,
            Remaining = batch.Remaining,
            Counts = counts,
            Deadline = batch.Deadline,
            CancelledAt = batch.CancelledAt,
            CancelReason = batch.CancelReason,
        };
    }
}
