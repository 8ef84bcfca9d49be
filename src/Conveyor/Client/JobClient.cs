using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Conveyor.Dispatching;
using Conveyor.Serialization;
using Conveyor.Storage;
using Conveyor.Validation;

namespace Conveyor;

/// <summary>
/// Enqueues jobs and acts on them: get, list, cancel, retry, delete, wait. Thread-safe; one per
/// Conveyor setup (resolve it from DI). Every input is validated before the store is touched: bad
/// input throws <see cref="JobValidationException"/> and stores nothing.
/// </summary>
public sealed partial class JobClient
{
    private readonly IJobStore _store;
    private readonly TimeProvider _time;
    private readonly JobValidator _validator;
    private readonly Observability.ConveyorMetrics? _metrics;

    internal JobClient(IJobStore store, ConveyorOptions options, TimeProvider time, Observability.ConveyorMetrics? metrics = null)
    {
        _store = store;
        _time = time;
        _validator = new JobValidator(options);
        _metrics = metrics;
    }

    /// <summary>Enqueues a typed job and returns its id (the existing job's id when its unique key matched).</summary>
    public async Task<long> EnqueueAsync<TArgs>(TArgs args, JobOptions? options = null, CancellationToken cancellationToken = default)
        where TArgs : IJobArgs =>
        (await EnqueueAsync(Request(args, options), cancellationToken).ConfigureAwait(false)).Id;

    /// <summary>Enqueues a typed job inside the caller's own open transaction (committed or rolled back by the caller).</summary>
    public async Task<long> EnqueueAsync<TArgs>(DbTransaction transaction, TArgs args, JobOptions? options = null, CancellationToken cancellationToken = default)
        where TArgs : IJobArgs =>
        (await EnqueueAsync(transaction, Request(args, options), cancellationToken).ConfigureAwait(false)).Id;

    /// <summary>Enqueues one job of any kind.</summary>
    public async Task<EnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken = default) =>
        (await InsertAsync([request], null, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Enqueues one job inside the caller's own open transaction.</summary>
    public async Task<EnqueueResult> EnqueueAsync(DbTransaction transaction, JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return (await InsertAsync([request], transaction, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Enqueues many jobs in one store call, atomically; results come in input order.</summary>
    public Task<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default) =>
        InsertAsync(requests, null, cancellationToken);

    /// <summary>Enqueues many jobs inside the caller's own open transaction.</summary>
    public Task<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(DbTransaction transaction, IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return InsertAsync(requests, transaction, cancellationToken);
    }

    /// <summary>One job, or null.</summary>
    public Task<JobInfo?> GetAsync(long id, CancellationToken cancellationToken = default) =>
        _store.GetJobAsync(new GetJobParams(id), cancellationToken);

    /// <summary>A page of jobs, newest first. Throws <see cref="JobValidationException"/> for a bad limit or cursor.</summary>
    public async Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > JobQuery.MaxLimit)
            throw new JobValidationException("limit", $"limit must be between 1 and {JobQuery.MaxLimit} (got {query.Limit})");
        if (query.Queue is not null) Names.EnsureQueue(query.Queue);
        if (query.Kind is not null) Names.EnsureKind(query.Kind);
        long? before = null;
        if (query.Cursor is { } cursor)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed <= 0)
                throw new JobValidationException("cursor", $"cursor '{cursor}' is not one this API gave out");
            before = parsed;
        }
        return await _store.ListJobsAsync(new ListJobsParams(query.State, query.Queue, query.Kind, query.Limit, before), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cancels a job that is not final; a running job's handler is cancelled at its node's next heartbeat.</summary>
    public async Task<JobChangeResult> CancelAsync(long id, CancellationToken cancellationToken = default) =>
        await _store.CancelJobAsync(new JobIdParams(id, await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Runs a dead, cancelled, retrying or scheduled job again now. A dead or cancelled job is refused
    /// (<see cref="JobChangeStatus.Conflict"/>, with <see cref="JobChangeResult.Reason"/>) when running it again would break
    /// its unique key, its ordering key or its <c>after</c>; one whose <c>after</c> job has not ended waits for it again.
    /// </summary>
    public async Task<JobChangeResult> RetryAsync(long id, CancellationToken cancellationToken = default) =>
        await _store.RetryJobAsync(new JobIdParams(id, await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes a job that is not running.</summary>
    public async Task<JobChangeResult> DeleteAsync(long id, CancellationToken cancellationToken = default) =>
        await _store.DeleteJobAsync(new JobIdParams(id, await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Waits until the job is final (succeeded, dead or cancelled) and returns it. Throws
    /// <see cref="JobNotFoundException"/> if the job does not exist (or is deleted meanwhile), and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<JobInfo> WaitAsync(long id, CancellationToken cancellationToken = default)
    {
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            var job = await GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(id);
            if (job.State.IsFinal()) return job;
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 500));
        }
    }

    private static JobRequest Request<TArgs>(TArgs args, JobOptions? options) where TArgs : IJobArgs
    {
        ArgumentNullException.ThrowIfNull(args);
        return new JobRequest(TArgs.Kind, JsonSerializer.Serialize(args, ConveyorJson.Options), options);
    }

    private async Task<IReadOnlyList<EnqueueResult>> InsertAsync(IReadOnlyList<JobRequest> requests, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (transaction is not null && !_store.Capabilities.SupportsTransactionalEnqueue)
            throw new NotSupportedException($"the {_store.Name} store cannot enqueue inside the caller's transaction");
        if (requests.Count == 0) return [];
        var now = await _time.StoreNowAsync(cancellationToken).ConfigureAwait(false);
        var jobs = new NewJob[requests.Count];
        for (var i = 0; i < jobs.Length; i++)
        {
            var request = requests[i] ?? throw new JobValidationException("jobs", $"job {i} is null");
            try
            {
                jobs[i] = _validator.Validate(request, now);
            }
            catch (JobValidationException e) when (requests.Count > 1)
            {
                throw new JobValidationException($"jobs[{i}].{e.Field}", $"job {i}: {e.Reason}");
            }
        }
        using var activity = _metrics?.Tracing.StartEnqueue(jobs);
        var (traceParent, traceState) = Observability.ConveyorTracing.ContextToStore(activity);
        if (traceParent is not null)
        {
            for (var i = 0; i < jobs.Length; i++) jobs[i] = jobs[i] with { TraceParent = traceParent, TraceState = traceState };
        }
        IReadOnlyList<InsertedJob> inserted;
        try
        {
            inserted = await _store.InsertManyAsync(new InsertJobsParams(jobs, now, transaction), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Observability.ConveyorTracing.Failed(activity, e);
            throw;
        }
        var results = new EnqueueResult[inserted.Count];
        for (var i = 0; i < results.Length; i++) results[i] = new EnqueueResult(inserted[i].Id, inserted[i].Existing);
        if (results.Length == 1) activity?.SetTag("messaging.message.id", results[0].Id);
        if (_metrics?.Enqueued is { Enabled: true } enqueued)
        {
            for (var i = 0; i < results.Length; i++)
            {
                if (!results[i].Existing) enqueued.Add(1, new("queue", jobs[i].Queue), new("kind", jobs[i].Kind));
            }
        }
        return results;
    }
}
