using System.Diagnostics;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Bench;

/// <summary>
/// Takes the measures of <c>conveyor bench</c> against one kind of store. Every measure gets a fresh store
/// from <c>freshStore</c>; the node under test runs in this process, with the default worker options
/// except its slot count (<see cref="BenchOptions.Concurrency"/>).
/// </summary>
public sealed class BenchRunner(
    Func<CancellationToken, Task<BenchStore>> freshStore,
    BenchOptions options,
    IProgress<BenchProgress>? progress = null,
    IBenchNodeLauncher? launcher = null)
{
    /// <summary>The kind the process and latency measures run: a handler that does nothing.</summary>
    public const string NoopKind = "conveyor.noop";

    private static readonly TimeSpan WaitLimit = TimeSpan.FromMinutes(10);

    /// <summary>How long a measure may go without a job finishing before it fails (its node retries a lost store forever).</summary>
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);

    /// <summary>How long a bench node's stop may drain and store outcomes.</summary>
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(20);

    /// <summary>The runtime recompiles hot code only after it has run a while: a quick round proves nothing.</summary>
    private static readonly TimeSpan WarmUpMinimum = TimeSpan.FromSeconds(2);

    /// <summary>A warm-up round that compiled fewer methods than this finds the runtime settled.</summary>
    private const int SettledJitMethods = 20;

    /// <summary>Takes every chosen measure in turn, each after an unreported warm-up round.</summary>
    public async IAsyncEnumerable<BenchResult> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options.Validate();
        foreach (var measure in options.Measures)
        {
            await WarmUpAsync(measure, cancellationToken).ConfigureAwait(false);
            var runs = new List<BenchResult>(options.Runs);
            for (var run = 0; run < options.Runs; run++) runs.Add(await MeasureAsync(measure, cancellationToken).ConfigureAwait(false));
            yield return BenchSummary.Of(runs);
        }
    }

    /// <summary>
    /// The same measure on a small scale, not reported, repeated until the runtime stops compiling: the first runs
    /// of a code path pay for its JIT compilation and the store's connection pool, which a long-running node pays once.
    /// </summary>
    /// <remarks>
    /// Tiered compilation keeps recompiling hot code for seconds, so a fixed short warm-up measures a node still
    /// starting: rounds repeat until one compiles fewer than <see cref="SettledJitMethods"/> methods.
    /// </remarks>
    public async Task WarmUpAsync(BenchMeasure measure, CancellationToken cancellationToken = default)
    {
        var small = new BenchOptions
        {
            Jobs = Math.Clamp(options.Jobs / 10, 1, 2_000),
            Concurrency = options.Concurrency,
            BulkSize = options.BulkSize,
            LatencyJobs = Math.Min(options.LatencyJobs, 20),
            LatencySpacing = options.LatencySpacing,
            Nodes = options.Nodes,
        };
        var warmer = new BenchRunner(freshStore, small, launcher: launcher);
        var watch = Stopwatch.StartNew();
        for (var round = 0; ; round++)
        {
            Report(measure, "warming up", 0, 1);
            var compiledBefore = JitInfo.GetCompiledMethodCount();
            await warmer.MeasureAsync(measure, cancellationToken).ConfigureAwait(false);
            var compiled = JitInfo.GetCompiledMethodCount() - compiledBefore;
            if ((watch.Elapsed >= WarmUpMinimum && compiled < SettledJitMethods) || watch.Elapsed > WarmUpLimit) break;
        }
    }

    /// <summary>Takes one measure on a fresh store, then removes the store.</summary>
    /// <remarks>
    /// When the measure fails, removing the store may well fail for the same reason (a server that went away);
    /// that second failure must not replace the first, which says what happened.
    /// </remarks>
    public async Task<BenchResult> MeasureAsync(BenchMeasure measure, CancellationToken cancellationToken = default)
    {
        var bench = await freshStore(cancellationToken).ConfigureAwait(false);
        BenchResult result;
        try
        {
            result = await (measure switch
            {
                BenchMeasure.EnqueueSingle => EnqueueSingleAsync(bench, cancellationToken),
                BenchMeasure.EnqueueBulk => EnqueueBulkAsync(bench, cancellationToken),
                BenchMeasure.Process => ProcessAsync(bench, cancellationToken),
                BenchMeasure.Latency => LatencyAsync(bench, cancellationToken),
                _ => throw new ArgumentOutOfRangeException(nameof(measure)),
            }).ConfigureAwait(false);
        }
        catch
        {
            try
            {
                await bench.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The measure's own failure is rethrown below.
            }
            throw;
        }
        await bench.DisposeAsync().ConfigureAwait(false);
        return result;
    }

    private async Task<BenchResult> EnqueueSingleAsync(BenchStore bench, CancellationToken cancellationToken)
    {
        await using var node = BenchNode.Create(bench.Store, options.Concurrency, worker: false);
        var client = node.Client;
        var n = options.Jobs;
        var durations = new double[n];
        var next = -1;
        var step = Math.Max(1, n / 200);
        Report(BenchMeasure.EnqueueSingle, "enqueueing", 0, n);
        var cpu = CpuWindow.Start(bench);
        var watch = Stopwatch.StartNew();
        var callers = new Task[Math.Min(options.Concurrency, n)];
        for (var c = 0; c < callers.Length; c++)
        {
            callers[c] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < n)
                {
                    var started = Stopwatch.GetTimestamp();
                    await client.EnqueueAsync(new JobRequest(NoopKind), cancellationToken).ConfigureAwait(false);
                    durations[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (i % step == 0) Report(BenchMeasure.EnqueueSingle, "enqueueing", i, n);
                }
            }, cancellationToken);
        }
        await Task.WhenAll(callers).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        var used = cpu.PerJob(n);
        Report(BenchMeasure.EnqueueSingle, "enqueueing", n, n);
        Array.Sort(durations);
        return WithCpu(Result(BenchMeasure.EnqueueSingle, bench, n, elapsed, n / elapsed.TotalSeconds,
            Percentiles.Of(durations, 0.50), Percentiles.Of(durations, 0.99)), used);
    }

    private async Task<BenchResult> EnqueueBulkAsync(BenchStore bench, CancellationToken cancellationToken)
    {
        await using var node = BenchNode.Create(bench.Store, options.Concurrency, worker: false);
        var cpu = CpuWindow.Start(bench);
        var watch = Stopwatch.StartNew();
        await QueueNoopsAsync(node.Client, BenchMeasure.EnqueueBulk, options.Jobs, cancellationToken).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        var used = cpu.PerJob(options.Jobs);
        return WithCpu(Result(BenchMeasure.EnqueueBulk, bench, options.Jobs, elapsed, options.Jobs / elapsed.TotalSeconds), used);
    }

    private async Task<BenchResult> ProcessAsync(BenchStore bench, CancellationToken cancellationToken)
    {
        if (options.Nodes > 0) return await ProcessOnNodesAsync(bench, cancellationToken).ConfigureAwait(false);
        await using var node = BenchNode.Create(bench.Store, options.Concurrency, worker: true);
        var n = options.Jobs;
        await QueueNoopsAsync(node.Client, BenchMeasure.Process, n, cancellationToken).ConfigureAwait(false);
        CollectGarbage();

        Report(BenchMeasure.Process, "processing", 0, n);
        var allHandled = node.WhenHandled(n);
        var cpu = CpuWindow.Start(bench);
        var watch = Stopwatch.StartNew();
        await node.Server.StartAsync(cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(WaitLimit);
        // The handler count tells how far we are without loading the store; the store says when all are stored.
        // The last handler signals, as polling would add a timer tick to runs of a few tens of milliseconds.
        var handling = Stall("process");
        while (!allHandled.IsCompleted)
        {
            try
            {
                await allHandled.WaitAsync(ProgressInterval, limit.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Not all handled yet: report progress, check for a stall, wait again.
            }
            handling.Check(node.Handled);
            Report(BenchMeasure.Process, "processing", node.Handled, n);
        }
        var storing = Stall("process (storing outcomes)");
        var handledAt = watch.Elapsed;
        long stored;
        while ((stored = await SucceededAsync(node, cancellationToken).ConfigureAwait(false)) < n)
        {
            storing.Check(stored);
            if (watch.Elapsed - handledAt < YieldWhileStoring) await Task.Yield();
            else await Task.Delay(1, limit.Token).ConfigureAwait(false);
        }
        var elapsed = watch.Elapsed;
        var result = WithCpu(Result(BenchMeasure.Process, bench, n, elapsed, n / elapsed.TotalSeconds), cpu.PerJob(n));
        Report(BenchMeasure.Process, "processing", n, n);
        await node.Server.StopAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// How long the bench asks again at once, rather than after a timer tick, whether the last outcomes are stored:
    /// they usually are within a fraction of a millisecond, and a tick can cost milliseconds on a busy machine.
    /// </summary>
    private static readonly TimeSpan YieldWhileStoring = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Collects the garbage of queuing before the clock starts, as BenchmarkDotNet does between iterations: on the
    /// memory store the queued jobs live in this process, and a collection inside a short window would dominate it.
    /// </summary>
    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>
    /// The process measure on K node processes: the nodes start and register, warm up
    /// (<see cref="WarmUpNodesAsync"/>), then the measured jobs are queued on the paused queue and the clock runs from
    /// resuming it until every one has succeeded. Neither process start-up nor the nodes' first compilation is measured.
    /// </summary>
    private async Task<BenchResult> ProcessOnNodesAsync(BenchStore bench, CancellationToken cancellationToken)
    {
        if (launcher is null) throw new InvalidOperationException("no way to start node processes was given");
        if (bench.Url is null) throw new InvalidOperationException($"the {bench.Store.Name} store cannot be shared with node processes");
        await using var node = BenchNode.Create(bench.Store, options.Concurrency, worker: false);
        var n = options.Jobs;
        var queue = Validation.Names.DefaultQueue;
        await node.Monitor.PauseQueueAsync(queue, cancellationToken).ConfigureAwait(false);

        Report(BenchMeasure.Process, $"starting {options.Nodes} nodes", 0, n);
        await using var nodes = await launcher.StartNodesAsync(bench.Url, options.Nodes, options.Concurrency, [queue, NodeWarmUpQueue], cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(WaitLimit);
        while ((await node.Monitor.ListNodesAsync(limit.Token).ConfigureAwait(false)).Count < options.Nodes)
            await Task.Delay(50, limit.Token).ConfigureAwait(false);

        await WarmUpNodesAsync(bench, node, limit.Token).ConfigureAwait(false);
        await QueueNoopsAsync(node.Client, BenchMeasure.Process, n, cancellationToken).ConfigureAwait(false);
        // Reclaims the warm-up's dead rows now, with the measured jobs in the table: a vacuum also records the row
        // count the nodes plan on, and an empty table's count would have their completions walk the whole table.
        if (bench.Store.SpaceReclaimer is { } reclaimer)
            await reclaimer.ReclaimSpaceAsync(new ReclaimSpaceParams(Force: true), cancellationToken).ConfigureAwait(false);

        var cpu = CpuWindow.Start(bench, nodes);
        var watch = Stopwatch.StartNew();
        await node.Monitor.ResumeQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        await UntilSucceededAsync(node, 0, n, "processing", watch, limit.Token).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        // The node processes' CPU, not this one's (it only counted); the server's includes the counting queries.
        var used = cpu.PerJob(n);
        Report(BenchMeasure.Process, "processing", n, n);
        return WithCpu(Result(BenchMeasure.Process, bench, n, elapsed, n / elapsed.TotalSeconds) with { Nodes = options.Nodes }, used);
    }

    /// <summary>
    /// Runs backlogs through the new node processes until they have worked for <see cref="WarmUpMinimum"/>, as the
    /// in-process measure warms its node, then removes those jobs, so the measured run starts on a table like a fresh
    /// store's (the caller has the store reclaim their space once the measured jobs are queued).
    /// </summary>
    /// <remarks>
    /// A cold node process spends about twice the CPU per job of a warm one. The warm-up runs on a queue of its own,
    /// so the measured claims do not walk past its index entries, and its rows are deleted so that the count of
    /// succeeded jobs is the measured ones and the nodes' leader does not vacuum them mid-run.
    /// </remarks>
    private async Task WarmUpNodesAsync(BenchStore bench, BenchNode node, CancellationToken cancellationToken)
    {
        var stage = $"warming up {options.Nodes} nodes";
        var batch = Math.Clamp(options.Jobs, 1_000, 20_000);
        var watch = Stopwatch.StartNew();
        long queued = 0;
        do
        {
            await QueueNoopsAsync(node.Client, BenchMeasure.Process, batch, cancellationToken, NodeWarmUpQueue).ConfigureAwait(false);
            var before = queued;
            queued += batch;
            await UntilSucceededAsync(node, before, queued, stage, Stopwatch.StartNew(), cancellationToken).ConfigureAwait(false);
        }
        while (watch.Elapsed < WarmUpMinimum);

        var everything = DateTimeOffset.UtcNow.AddMinutes(1);
        while (await bench.Store.PruneJobsAsync(new PruneJobsParams(everything, everything, everything), cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    /// <summary>The queue the node processes warm up on, beside the measured one.</summary>
    private const string NodeWarmUpQueue = "bench-warm-up";

    /// <summary>
    /// Waits until the store counts <paramref name="total"/> succeeded jobs, <paramref name="from"/> of them before
    /// <paramref name="watch"/> started; reports the others as the progress of <paramref name="stage"/>.
    /// </summary>
    private async Task UntilSucceededAsync(BenchNode node, long from, long total, string stage, Stopwatch watch, CancellationToken cancellationToken)
    {
        long succeeded;
        var stall = Stall($"process on {options.Nodes} nodes ({stage})");
        while ((succeeded = await SucceededAsync(node, cancellationToken).ConfigureAwait(false)) < total)
        {
            stall.Check(succeeded);
            Report(BenchMeasure.Process, stage, succeeded - from, total - from);
            await Task.Delay(NextCountIn(succeeded - from, total - from, watch.Elapsed), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// When to count the succeeded jobs again while node processes work: counting scans the jobs table and takes CPU
    /// from the nodes, so every 100 ms while far from done, then half the time the current rate says is left (at
    /// least 5 ms), so the end is still seen within a few milliseconds.
    /// </summary>
    private static TimeSpan NextCountIn(long done, long total, TimeSpan elapsed)
    {
        var far = TimeSpan.FromMilliseconds(100);
        if (done <= 0) return far;
        var left = TimeSpan.FromTicks((long)(elapsed.Ticks * (double)(total - done) / done));
        return TimeSpan.FromTicks(Math.Clamp(left.Ticks / 2, TimeSpan.FromMilliseconds(5).Ticks, far.Ticks));
    }

    private async Task<BenchResult> LatencyAsync(BenchStore bench, CancellationToken cancellationToken)
    {
        await using var node = BenchNode.Create(bench.Store, options.Concurrency, worker: true);
        await node.Server.StartAsync(cancellationToken).ConfigureAwait(false);
        var warmUp = Math.Min(10, options.LatencyJobs);
        var total = warmUp + options.LatencyJobs;
        Report(BenchMeasure.Latency, "measuring", 0, options.LatencyJobs);
        var watch = Stopwatch.StartNew();
        var spacingTicks = (long)(options.LatencySpacing.TotalSeconds * Stopwatch.Frequency);
        var next = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            var enqueuedAt = Stopwatch.GetTimestamp();
            await node.Client.EnqueueAsync(new JobRequest(NoopKind, $$"""{"t":{{enqueuedAt}},"i":{{i}}}"""), cancellationToken).ConfigureAwait(false);
            if (i >= warmUp) Report(BenchMeasure.Latency, "measuring", i - warmUp + 1, options.LatencyJobs);
            next += spacingTicks;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        var starting = Stall("latency");
        while (node.Handled < total)
        {
            starting.Check(node.Handled);
            await Task.Delay(5, limit.Token).ConfigureAwait(false);
        }
        var elapsed = watch.Elapsed;
        await node.Server.StopAsync(cancellationToken).ConfigureAwait(false);
        var latencies = node.Latencies(skipFirst: warmUp);
        Array.Sort(latencies);
        return Result(BenchMeasure.Latency, bench, options.LatencyJobs, elapsed, jobsPerSecond: null,
            Percentiles.Of(latencies, 0.50), Percentiles.Of(latencies, 0.99));
    }

    private async Task QueueNoopsAsync(JobClient client, BenchMeasure measure, int n, CancellationToken cancellationToken, string? queue = null)
    {
        var stage = measure == BenchMeasure.EnqueueBulk ? "enqueueing" : "queueing the backlog";
        var request = new JobRequest(NoopKind, Options: queue is null ? null : new JobOptions { Queue = queue });
        Report(measure, stage, 0, n);
        for (var done = 0; done < n;)
        {
            var size = Math.Min(options.BulkSize, n - done);
            var batch = new JobRequest[size];
            Array.Fill(batch, request);
            await client.EnqueueManyAsync(batch, cancellationToken).ConfigureAwait(false);
            done += size;
            Report(measure, stage, done, n);
        }
    }

    private static async Task<long> SucceededAsync(BenchNode node, CancellationToken cancellationToken)
    {
        var queues = await node.Monitor.ListQueuesAsync(cancellationToken).ConfigureAwait(false);
        return queues.Sum(q => q.Counts.GetValueOrDefault(JobState.Succeeded));
    }

    private BenchResult Result(BenchMeasure measure, BenchStore bench, int jobs, TimeSpan elapsed, double? jobsPerSecond,
        double? p50 = null, double? p99 = null)
    {
        using var self = Process.GetCurrentProcess();
        return new BenchResult
        {
            Measure = measure.Name(),
            Store = bench.Store.Name,
            Jobs = jobs,
            Concurrency = options.Concurrency,
            JobsPerSecond = jobsPerSecond is { } rate ? Math.Round(rate, 1) : null,
            P50Milliseconds = p50 is { } a ? Math.Round(a, 3) : null,
            P99Milliseconds = p99 is { } b ? Math.Round(b, 3) : null,
            Seconds = Math.Round(elapsed.TotalSeconds, 3),
            PeakMegabytes = Math.Round(self.PeakWorkingSet64 / 1048576.0, 1),
        };
    }

    private static BenchResult WithCpu(BenchResult result, (double Process, double? Server) perJob) =>
        result with { NodeCpuMicrosecondsPerJob = perJob.Process, ServerCpuMicrosecondsPerJob = perJob.Server };

    /// <summary>How often a running measure reports progress and checks for a stall.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(50);

    private static StallGuard Stall(string what) => new(what, StallLimit, TimeProvider.System);

    private void Report(BenchMeasure measure, string stage, long done, long total) => progress?.Report(new BenchProgress(measure, stage, done, total));

    /// <summary>A node (or just a client) on the bench's store, with the no-op handler that counts and times its runs.</summary>
    private sealed class BenchNode : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly long[] _startedAt = new long[4096];
        private readonly long[] _enqueuedAt = new long[4096];
        private long _handled;
        private long _handledTarget = long.MaxValue;
        private readonly TaskCompletionSource _handledAll = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private BenchNode(IJobStore store, int concurrency, bool worker)
        {
            var services = new ServiceCollection();
            var builder = services.AddConveyor(o => o.UseStore(store))
                .AddJob(NoopKind, (JobContext context) => Handle(context));
            if (worker) builder.AddWorker(w => w.Queue("default", concurrency));
            _services = services.BuildServiceProvider();
            Client = _services.GetRequiredService<JobClient>();
            Monitor = _services.GetRequiredService<JobMonitor>();
        }

        public JobClient Client { get; }
        public JobMonitor Monitor { get; }
        public JobServer Server => _services.GetRequiredService<JobServer>();
        public long Handled => Interlocked.Read(ref _handled);

        public static BenchNode Create(IJobStore store, int concurrency, bool worker) => new(store, concurrency, worker);

        /// <summary>Completes when the handler has run <paramref name="count"/> times. Set it before the node starts.</summary>
        public Task WhenHandled(long count)
        {
            Interlocked.Exchange(ref _handledTarget, count);
            if (Handled >= count) _handledAll.TrySetResult();
            return _handledAll.Task;
        }

        /// <summary>Enqueue-to-start of the latency jobs after the first <paramref name="skipFirst"/>, in milliseconds.</summary>
        public double[] Latencies(int skipFirst)
        {
            var count = (int)Math.Min(Handled, _startedAt.Length);
            var latencies = new List<double>(count);
            for (var i = skipFirst; i < count; i++)
            {
                if (_enqueuedAt[i] == 0) continue;
                latencies.Add((_startedAt[i] - _enqueuedAt[i]) * 1000.0 / Stopwatch.Frequency);
            }
            return [.. latencies];
        }

        private void Handle(JobContext context)
        {
            var started = Stopwatch.GetTimestamp();
            // Latency jobs carry their enqueue time and index; no-op backlog jobs carry nothing.
            if (context.ArgsJson.Length > 2)
            {
                using var args = JsonDocument.Parse(context.ArgsJson);
                if (args.RootElement.TryGetProperty("i", out var index) && index.GetInt32() is var i && i < _startedAt.Length)
                {
                    _enqueuedAt[i] = args.RootElement.GetProperty("t").GetInt64();
                    Volatile.Write(ref _startedAt[i], started);
                }
            }
            if (Interlocked.Increment(ref _handled) == Interlocked.Read(ref _handledTarget)) _handledAll.TrySetResult();
        }

        /// <summary>
        /// Stops the node, giving up on outcomes it cannot store after <see cref="StopLimit"/> (a lost server would
        /// otherwise keep the stop retrying them), then disposes it.
        /// </summary>
        public async ValueTask DisposeAsync()
        {
            if (_services.GetService<JobServer>() is { } server)
            {
                using var giveUp = new CancellationTokenSource(StopLimit);
                await server.StopAsync(giveUp.Token).ConfigureAwait(false);
            }
            await _services.DisposeAsync().ConfigureAwait(false);
        }
    }
}
