using BenchmarkDotNet.Attributes;
using Conveyor.Sqlite;
using Conveyor.Storage;
using Conveyor.Storage.Memory;

namespace Conveyor.Benchmarks;

/// <summary>
/// The store's side of one dispatch round: claim up to 16 jobs, then complete them in one call.
/// Each invocation handles 16 jobs (OperationsPerInvoke), so the figures are per job.
/// </summary>
[MemoryDiagnoser]
public class ClaimCompleteBenchmarks
{
    private const int Batch = 16;
    private IJobStore _store = null!;
    private string? _path;
    private readonly string[] _kinds = ["bench.noop"];

    [Params("memory", "sqlite")]
    public string Store { get; set; } = "memory";

    [GlobalSetup]
    public async Task Setup()
    {
        if (Store == "memory")
        {
            _store = new MemoryJobStore();
        }
        else
        {
            _path = Path.Combine(Path.GetTempPath(), $"conveyor-bench-{Guid.NewGuid():N}.db");
            _store = new SqliteJobStore(new SqliteStoreOptions(_path));
        }
        await _store.MigrateAsync();
    }

    [IterationSetup]
    public void Fill() => _store.InsertManyAsync(new InsertJobsParams(StoreFixture.Jobs(50_000), StoreFixture.Now)).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task ClaimThenComplete()
    {
        var claimed = await _store.ClaimAsync(new ClaimJobsParams("bench", "default", _kinds, Batch, StoreFixture.Now, StoreFixture.Now.AddSeconds(30)));
        var completions = new JobCompletion[claimed.Count];
        for (var i = 0; i < completions.Length; i++) completions[i] = new JobCompletion(claimed[i].Id, claimed[i].Attempt, JobOutcome.Succeeded);
        await _store.CompleteManyAsync(new CompleteJobsParams("bench", completions, StoreFixture.Now));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _store.DisposeAsync();
        if (_path is not null)
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(_path)!, Path.GetFileName(_path) + "*")) File.Delete(file);
    }
}
