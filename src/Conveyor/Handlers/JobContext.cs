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

/// <summary>Where progress reports go (the node writes them to the store).</summary>
internal interface IJobProgressSink
{
    Task ReportAsync(ClaimedJob job, int? percent, string? message, CancellationToken cancellationToken);
}
