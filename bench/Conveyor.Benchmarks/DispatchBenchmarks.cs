using BenchmarkDotNet.Attributes;
using Conveyor.Storage;
using Conveyor.Storage.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks;

/// <summary>
/// The whole node on the memory store: 10,000 no-op jobs queued, a node started, until all succeeded.
/// Per-job time and allocations of dispatch + execute + complete (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private const int Jobs = 10_000;
    private ServiceProvider _provider = null!;
    private IJobStore _store = null!;

    [Params(16)]
    public int Concurrency { get; set; }

    [IterationSetup]
    public void Setup()
    {
        _store = new MemoryJobStore();
        var services = new ServiceCollection();
        services.AddConveyor(o => o.UseStore(_store))
            .AddJob("bench.noop", () => { })
            .AddWorker(w => w.Queue("default", Concurrency));
        _provider = services.BuildServiceProvider();
        // Due now: the node claims with the real clock (the fixture's fixed time lies in the future).
        var now = DateTimeOffset.UtcNow;
        var jobs = StoreFixture.Jobs(Jobs).Select(job => job with { RunAt = now }).ToArray();
        _store.InsertManyAsync(new InsertJobsParams(jobs, now)).GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = Jobs)]
    public async Task ProcessQueuedJobs()
    {
        var server = _provider.GetRequiredService<JobServer>();
        var monitor = _provider.GetRequiredService<JobMonitor>();
        await server.StartAsync(CancellationToken.None);
        while ((await monitor.ListQueuesAsync()).Single().Counts[JobState.Succeeded] < Jobs) await Task.Delay(1);
        await server.StopAsync(CancellationToken.None);
    }

    [IterationCleanup]
    public void Cleanup() => _provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
