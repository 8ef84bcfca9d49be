using System.Runtime.CompilerServices;
using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor;

/// <summary>
/// What a handler (and middleware) knows about the attempt it runs, and what it can do: report
/// progress and set the job's result.
/// </summary>
public class JobContext
{
    private readonly ClaimedJob _job;
    private readonly IServiceScopeFactory _scopes;
    private readonly IJobProgressSink _progress;
    private IServiceScope? _scope;
    private Dictionary<string, object?>? _items;

    internal JobContext(ClaimedJob job, IServiceScopeFactory scopes, IJobProgressSink progress)
    {
        _job = job;
        _scopes = scopes;
        _progress = progress;
    }

    public long Id => _job.Id;
    public string Kind => _job.Kind;
    public string Queue => _job.Queue;
    /// <summary>The attempt now running, 1-based.</summary>
    public int Attempt => _job.Attempt;
    public int MaxAttempts => _job.MaxAttempts;
    public int Priority => _job.Priority;
    public string? OrderingKey => _job.OrderingKey;
    public string? AffinityKey => _job.AffinityKey;
    public DateTimeOffset CreatedAt => _job.CreatedAt;
    /// <summary>The job's arguments as JSON text.</summary>
    public string ArgsJson => _job.ArgsJson;
    /// <summary>
    /// The DI scope of this job: one per attempt, disposed when the attempt ends. It is created on first
    /// use, so a handler that needs no services costs no scope.
    /// </summary>
    public IServiceProvider Services
    {
        get
        {
            var scope = Volatile.Read(ref _scope);
            if (scope is null)
            {
                var created = _scopes.CreateScope();
                scope = Interlocked.CompareExchange(ref _scope, created, null) ?? created;
                if (!ReferenceEquals(scope, created)) created.Dispose();
            }
            return scope.ServiceProvider;
        }
    }

    /// <summary>Per-attempt state for middleware.</summary>
    public IDictionary<string, object?> Items => _items ??= new Dictionary<string, object?>();

    /// <summary>The result as JSON text, once set by <see cref="SetResult{T}"/> or a handler's return value.</summary>
    public string? ResultJson { get; private set; }

    /// <summary>Stores <paramref name="result"/> (serialised to JSON) as the job's result when the attempt succeeds.</summary>
    public void SetResult<T>(T result) =>
        ResultJson = result is null ? null : JsonSerializer.Serialize(result, result.GetType(), ConveyorJson.Options);

    /// <summary>Sets the result from JSON text the caller already holds (must be valid JSON).</summary>
    public void SetResultJson(string? json) => ResultJson = json;

    /// <summary>Reports progress (percent 0–100 and/or a message); visible in the API, CLI and dashboard.</summary>
    public Task ReportProgressAsync(int? percent, string? message = null, CancellationToken cancellationToken = default)
    {
        if (percent is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent), percent, "percent must be 0–100");
        return _progress.ReportAsync(_job, percent, message, cancellationToken);
    }

    /// <summary>
    /// The result (JSON text) of the job this one waited for (<see cref="JobOptions.After"/>): a pipeline's previous
    /// step. Null when that job succeeded without a result. Read from the store on each call.
    /// </summary>
    /// <exception cref="InvalidOperationException">This job was not enqueued with <c>after</c>.</exception>
    /// <exception cref="JobNotFoundException">The parent job was deleted (or pruned) meanwhile.</exception>
    public async Task<string?> GetParentResultJsonAsync(CancellationToken cancellationToken = default)
    {
        var store = _progress.Store;
        var self = await store.GetJobAsync(new GetJobParams(_job.Id), cancellationToken).ConfigureAwait(false)
            ?? throw new JobNotFoundException(_job.Id);
        if (self.AfterJobId is not { } parentId)
            throw new InvalidOperationException($"job {_job.Id} was not enqueued with after: it has no parent result");
        var parent = await store.GetJobAsync(new GetJobParams(parentId), cancellationToken).ConfigureAwait(false)
            ?? throw new JobNotFoundException(parentId);
        return parent.ResultJson;
    }

    /// <summary>The parent's result (see <see cref="GetParentResultJsonAsync"/>) deserialised as <typeparamref name="T"/>; default when it has none.</summary>
    public async Task<T?> GetParentResultAsync<T>(CancellationToken cancellationToken = default)
    {
        var json = await GetParentResultJsonAsync(cancellationToken).ConfigureAwait(false);
        return json is null ? default : JsonSerializer.Deserialize<T>(json, ConveyorJson.Options);
    }

    /// <summary>
    /// The batch this job is the callback of, with its children's counts per state (all final by the time the callback
    /// runs); null when this job is no batch's callback, or the store has no batches.
    /// </summary>
    public async Task<BatchInfo?> GetBatchAsync(CancellationToken cancellationToken = default)
    {
        if (_progress.Store.Batches is not { } batches) return null;
        return await batches.GetBatchAsync(new GetBatchParams(_job.Id, ByCallback: true), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The children of the batch this job is the callback of, in id order, read from the store
    /// <paramref name="pageSize"/> at a time (a batch of any size streams in constant memory): each child's id, state
    /// and result. Children deleted meanwhile are absent. Empty when this job is no batch's callback.
    /// </summary>
    public async IAsyncEnumerable<BatchChild> ReadBatchChildrenAsync(int pageSize = 1000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 10_000);
        var batch = await GetBatchAsync(cancellationToken).ConfigureAwait(false);
        if (batch is null) yield break;
        var batches = _progress.Store.Batches!;
        long? after = 0;
        while (after is { } cursor)
        {
            var page = await batches.ListBatchChildrenAsync(new ListBatchChildrenParams(batch.Id, cursor, pageSize), cancellationToken).ConfigureAwait(false);
            foreach (var child in page.Children) yield return child;
            after = page.NextAfterId;
        }
    }

    internal ClaimedJob Job => _job;

    /// <summary>Ends the attempt's DI scope, if one was created.</summary>
    internal ValueTask DisposeScopeAsync()
    {
        var scope = Interlocked.Exchange(ref _scope, null);
        if (scope is IAsyncDisposable async) return async.DisposeAsync();
        scope?.Dispose();
        return default;
    }
}

/// <summary>The context of a typed job, with its deserialised arguments.</summary>
public sealed class JobContext<TArgs> : JobContext
{
    internal JobContext(ClaimedJob job, IServiceScopeFactory scopes, IJobProgressSink progress, TArgs args)
        : base(job, scopes, progress) => Args = args;

    /// <summary>The job's arguments.</summary>
    public TArgs Args { get; }
}

/// <summary>Where progress reports go (the node writes them to the store), and the store a context reads from.</summary>
internal interface IJobProgressSink
{
    /// <summary>The node's store, for what a handler reads through its context (a parent's result, its batch).</summary>
    IJobStore Store { get; }

    Task ReportAsync(ClaimedJob job, int? percent, string? message, CancellationToken cancellationToken);
}
