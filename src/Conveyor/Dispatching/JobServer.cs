using Conveyor.Handlers;
using Conveyor.Maintenance;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor;

/// <summary>
/// A node: dispatchers and workers for its queues, a completer, a heartbeat and the leader chores.
/// <see cref="StartAsync"/> starts them; <see cref="StopAsync"/> stops claiming, lets running jobs
/// finish for <see cref="WorkerOptions.ShutdownTimeout"/>, cancels the rest and puts them back to
/// <c>available</c> without charging an attempt. A second stop is harmless; after stop returns no
/// task of the node runs (except handlers that ignored cancellation, which are reported).
/// </summary>
public sealed class JobServer : IHostedService, IAsyncDisposable
{
    private readonly IJobStore _store;
    private readonly HandlerRegistry _registry;
    private readonly IServiceProvider _services;
    private readonly WorkerOptions _options;
    private TimeProvider _time; // the store's time once started, when the store has a clock of its own
    private readonly ILogger _logger;
    private readonly Observability.ConveyorMetrics? _metrics;
    private readonly Dispatching.AbandonedHandlers _abandoned;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly List<Task> _dispatchTasks = [];
    private readonly List<Task> _backgroundTasks = [];
    private Task _completerTask = Task.CompletedTask;
    private Task _watchdogTask = Task.CompletedTask;
    private CancellationTokenSource? _stopWatchdog;
    private Dispatching.JobServerCore? _core;
    private Dispatching.QueueDispatcher[] _dispatchers = [];
    private LeaderChores? _chores;
    private IAsyncDisposable? _subscription;
    private CancellationTokenSource? _stopClaiming;
    private CancellationTokenSource? _shutdown;
    private CancellationTokenSource? _stopBackground;
    private CancellationTokenSource? _giveUpCompletions;
    private DateTimeOffset _startedAt;
    private State _state;

    private enum State { New, Running, Stopped }

    internal JobServer(IJobStore store, HandlerRegistry registry, IServiceProvider services, WorkerOptions options,
        TimeProvider time, ILoggerFactory? loggerFactory, Observability.ConveyorMetrics? metrics = null)
    {
        _metrics = metrics;
        _store = store;
        _registry = registry;
        _services = services;
        _options = options;
        _time = time;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<JobServer>();
        _abandoned = new Dispatching.AbandonedHandlers(_logger);
        NodeName = options.Name ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..4]}";
    }

    /// <summary>This node's name in the registry.</summary>
    public string NodeName { get; }

    /// <summary>True between a successful start and the beginning of stop.</summary>
    public bool IsRunning => _state == State.Running && _stopClaiming is { IsCancellationRequested: false };

    /// <summary>True while this node holds the cluster leadership.</summary>
    public bool IsLeader => _chores?.IsLeader ?? false;

    /// <summary>Busy and total slots per queue.</summary>
    public IReadOnlyDictionary<string, NodeQueueSlots> Slots =>
        _dispatchers.ToDictionary(d => d.Queue, d => new NodeQueueSlots(d.Busy, d.Concurrency));

    /// <summary>Handlers that ignored their cancellation and are still running.</summary>
    public int AbandonedHandlerCount => _abandoned.Count;

    /// <summary>Every background task of the node (for tests that prove nothing outlives a stop).</summary>
    internal IReadOnlyList<Task> BackgroundTasks =>
        [.. _dispatchTasks, .. _dispatchers.SelectMany(d => d.WorkerLoops), .. _backgroundTasks, _completerTask, _watchdogTask];

    /// <summary>Runs one heartbeat now (tests).</summary>
    internal Task HeartbeatNowAsync(CancellationToken cancellationToken = default) =>
        new Dispatching.LeaseKeeper(_core!, DescribeNode).BeatAsync(cancellationToken);

    /// <summary>Runs one maintenance tick now (tests).</summary>
    internal Task MaintainNowAsync(CancellationToken cancellationToken = default) => _chores!.TickAsync(cancellationToken);

    /// <summary>
    /// Refuses a name a live node already uses. The leader lease, the registry row and the leases of running jobs name
    /// their node, so two nodes under one name would both lead and show as one. A row of this name on this machine whose
    /// process has ended is a crashed predecessor (a restart under a fixed name), not a live node.
    /// </summary>
    private async Task EnsureNameIsFreeAsync(CancellationToken cancellationToken)
    {
        var nodes = await _store.ListNodesAsync(new ListNodesParams(), cancellationToken).ConfigureAwait(false);
        var other = nodes.FirstOrDefault(n => n.Name == NodeName);
        if (other is null || other.LiveUntil <= _time.GetUtcNow()) return;
        if (other.Host == Environment.MachineName && other.Pid != Environment.ProcessId && !ProcessIsRunning(other.Pid)) return;
        throw new InvalidOperationException(
            $"a live node is already named '{NodeName}' (host {other.Host}, pid {other.Pid}, last heartbeat {other.HeartbeatAt:yyyy-MM-dd HH:mm:ss}Z): give each node its own name");
    }

    private static bool ProcessIsRunning(int pid)
    {
        // A process killed a moment ago stays a zombie (state Z in /proc) until its parent reaps it: it has ended, but
        // .NET still finds it (seen with kill -9 and an immediate restart under the same name).
        if (OperatingSystem.IsLinux() && ProcState(pid) is 'Z' or 'X') return false;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no process has that id
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The state letter of a Linux process (<c>/proc/PID/stat</c>, after the parenthesised name), or null.</summary>
    private static char? ProcState(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var end = stat.LastIndexOf(')');
            return end >= 0 && end + 2 < stat.Length ? stat[end + 2] : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Migrates the store, registers the node and starts claiming.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != State.New) throw new InvalidOperationException($"node {NodeName} was already started; create a new JobServer to start again");
            var kinds = _registry.Kinds;
            if (kinds.Count == 0) throw new InvalidOperationException("the node has no handlers: register some with AddJob before starting a worker");

            await _store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            // Leases, due times and lease expiry are compared in the store: every node must read one clock. The store time
            // comes from the process's services (shared with the client that stamps enqueues) or is made here; a
            // TimeProvider of the caller's own (a test's manual clock) is used as given.
            var storeTime = _time as Dispatching.StoreTime;
            if (storeTime is null && _store is IStoreClock clock && ReferenceEquals(_time, TimeProvider.System))
                storeTime = new Dispatching.StoreTime(_time, clock, _logger);
            if (storeTime is not null)
            {
                await storeTime.MeasureAsync(cancellationToken).ConfigureAwait(false);
                _time = storeTime;
            }
            var conveyorOptions = _services.GetService<ConveyorOptions>() ?? new ConveyorOptions();
            if (_services.GetService<Recurring.RecurringJobRegistry>() is { } recurring)
                await recurring.StoreAsync(_store, conveyorOptions, _time, _logger, cancellationToken).ConfigureAwait(false);
            _startedAt = _time.GetUtcNow();
            var executor = new Dispatching.JobExecutor(_registry, _services.GetRequiredService<IServiceScopeFactory>(), _services, _options, _time,
                new ProgressSink(_store, NodeName), _logger, _metrics);
            var completer = new Dispatching.Completer(_store, NodeName, _options.CompletionBatchSize, _time, _logger, _metrics);
            var core = new Dispatching.JobServerCore(_store, NodeName, kinds, _options, _time, _logger, executor, completer, _metrics);
            core.Completer.Stored += core.Untrack;
            core.Completer.Stored += _ => { foreach (var dispatcher in _dispatchers) dispatcher.CompletionsStored(); };
            _core = core;
            var enqueueClaimer = _options.ClaimWithEnqueues ? _store.EnqueueClaimer : null;
            // One pool for the node; only one smaller than the queues' caps together needs sharing.
            var pool = _options.Concurrency < _options.Queues.Values.Sum() ? new Dispatching.SlotPool(_options.Concurrency) : null;
            _dispatchers = [.. _options.Queues.Select(q => new Dispatching.QueueDispatcher(core, q.Key, q.Value, enqueueClaimer, pool, _options.QueueWeights[q.Key]))];
            if (pool is not null) pool.SlotReturned += () => { foreach (var dispatcher in _dispatchers) dispatcher.CompletionsStored(); };
            core.Cluster = new Dispatching.ClusterView(NodeName, [.. _options.Queues.Keys], _logger, OnStopRequested);
            _chores = new LeaderChores(core, LeaderChores.Standard(core, conveyorOptions));
            _metrics?.ObserveSlots(() => Slots);

            await EnsureNameIsFreeAsync(cancellationToken).ConfigureAwait(false);
            await _store.UpsertNodeAsync(new UpsertNodeParams(DescribeNode()), cancellationToken).ConfigureAwait(false);
            core.Cluster.Update(await _store.ListNodesAsync(new ListNodesParams(LiveAt: _time.GetUtcNow()), cancellationToken).ConfigureAwait(false));
            if (_store.Notifier is { } notifier)
            {
                var byQueue = _dispatchers.ToDictionary(d => d.Queue, StringComparer.Ordinal);
                _subscription = await notifier.SubscribeAsync(queue =>
                {
                    if (byQueue.TryGetValue(queue, out var dispatcher)) dispatcher.Wake();
                }, cancellationToken).ConfigureAwait(false);
            }

            _stopClaiming = new CancellationTokenSource();
            _shutdown = new CancellationTokenSource();
            _stopBackground = new CancellationTokenSource();
            _giveUpCompletions = new CancellationTokenSource();
            _completerTask = core.Completer.RunAsync(_giveUpCompletions.Token);
            _stopWatchdog = new CancellationTokenSource();
            _watchdogTask = new Dispatching.Watchdog(core, _abandoned).RunAsync(_stopWatchdog.Token);
            foreach (var dispatcher in _dispatchers)
            {
                dispatcher.StartWorkers(_shutdown.Token, _stopClaiming.Token);
                _dispatchTasks.Add(dispatcher.RunClaimLoopAsync(_stopClaiming.Token));
                _dispatchTasks.Add(dispatcher.WorkersDone);
            }
            _backgroundTasks.Add(new Dispatching.LeaseKeeper(core, DescribeNode).RunAsync(_stopBackground.Token));
            _backgroundTasks.Add(_chores.RunAsync(_stopBackground.Token));
            if (storeTime is not null) _backgroundTasks.Add(storeTime.RunAsync(_options.HeartbeatInterval, _stopBackground.Token));
            _state = State.Running;
            _logger.LogInformation("Node {Node} started on store {Store}: {Queues}{Pool}; kinds {Kinds}", NodeName, _store.Name,
                string.Join(", ", _dispatchers.Select(d => $"{d.Queue}={d.Concurrency}")),
                pool is null ? "" : $" sharing {pool.Size} slots", string.Join(", ", kinds));
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops the node: no new claims; running jobs get <see cref="WorkerOptions.ShutdownTimeout"/> to finish
    /// (less if <paramref name="cancellationToken"/> fires first), then their tokens are cancelled and they
    /// go back to <c>available</c> with no attempt charged. Outcomes a failing store does not take are retried
    /// for at most another <see cref="WorkerOptions.ShutdownTimeout"/> (or until the token fires); those jobs
    /// keep their leases and are rescued when the leases run out. Returns when every task of the node has ended.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_state != State.Running) return;
            _state = State.Stopped;
            var core = _core!;
            _logger.LogInformation("Node {Node} stopping: {Running} jobs running", NodeName, core.LeasedCount);
            _stopClaiming!.Cancel();

            var workers = Task.WhenAll(_dispatchTasks);
            try
            {
                await workers.WaitAsync(_options.ShutdownTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                _logger.LogInformation("Node {Node}: cancelling {Running} jobs still running after the drain period", NodeName, core.LeasedCount);
                _shutdown!.Cancel();
                core.CancelAll(Dispatching.CancelReason.Shutdown);
                // Workers end within CancelGrace: the watchdog abandons a handler that ignores its token.
                await workers.ConfigureAwait(false);
            }
            _stopWatchdog!.Cancel();
            await _watchdogTask.ConfigureAwait(false);

            core.Completer.Complete();
            // Outcomes the store refuses (it is down) are retried for one more drain period at most, even when the
            // caller gave no token: a stop must end. Jobs whose outcome was not stored keep their leases, which run
            // out, and the leader puts them back (at-least-once). A slow store call in progress is never cut.
            _giveUpCompletions!.CancelAfter(_options.ShutdownTimeout);
            using (cancellationToken.Register(() => _giveUpCompletions!.Cancel()))
            {
                await _completerTask.ConfigureAwait(false);
            }
            _stopBackground!.Cancel();
            await Task.WhenAll(_backgroundTasks).ConfigureAwait(false);
            if (_subscription is not null) await _subscription.DisposeAsync().ConfigureAwait(false);
            try
            {
                await _store.RemoveNodeAsync(new RemoveNodeParams(NodeName), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Could not remove node {Node} from the registry; it leaves after the grace period", NodeName);
            }
            foreach (var dispatcher in _dispatchers) dispatcher.Dispose();
            _stopClaiming.Dispose();
            _shutdown!.Dispose();
            _stopBackground.Dispose();
            _stopWatchdog.Dispose();
            _giveUpCompletions!.Dispose();
            if (_abandoned.Count > 0)
                _logger.LogWarning("Node {Node} stopped with {Count} abandoned handlers still running (they ignored cancellation)", NodeName, _abandoned.Count);
            _logger.LogInformation("Node {Node} stopped", NodeName);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Someone asked this node, through the store, to stop (<c>conveyor nodes stop</c>): it stops claiming at once (jobs
    /// not started go back) and asks its host to stop, which drains it as on SIGTERM. Without a host, the node's owner
    /// still calls <see cref="StopAsync"/>.
    /// </summary>
    private void OnStopRequested()
    {
        try
        {
            _stopClaiming?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Stopped meanwhile.
        }
        _services.GetService<IHostApplicationLifetime>()?.StopApplication();
    }

    /// <summary>Jobs the node holds per queue, running or prefetched (for tests and diagnostics).</summary>
    internal IReadOnlyDictionary<string, int> HeldJobs => _dispatchers.ToDictionary(d => d.Queue, d => d.Held);

    /// <summary>Jobs this node got through claims carried by enqueues of its process (for tests and diagnostics).</summary>
    internal long ClaimedWithEnqueues => _dispatchers.Sum(d => d.ClaimedWithEnqueues);

    /// <summary>Stops the node (draining as <see cref="StopAsync"/> does).</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private NodeInfo DescribeNode() => new()
    {
        Name = NodeName,
        Host = Environment.MachineName,
        Pid = Environment.ProcessId,
        Version = typeof(JobServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        StartedAt = _startedAt,
        HeartbeatAt = _time.GetUtcNow(),
        LiveUntil = _time.GetUtcNow() + _options.LeaseDuration,
        Kinds = _registry.Kinds,
        Queues = Slots,
        Slots = _options.Concurrency,
    };

    private sealed class ProgressSink(IJobStore store, string nodeName) : IJobProgressSink
    {
        public IJobStore Store => store;

        public Task ReportAsync(ClaimedJob job, int? percent, string? message, CancellationToken cancellationToken) =>
            store.ReportProgressAsync(new ReportProgressParams(job.Id, nodeName, job.Attempt, percent, message), cancellationToken);
    }
}
