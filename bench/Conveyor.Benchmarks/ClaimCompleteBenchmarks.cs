using BenchmarkDotNet.Attributes;
using Conveyor.Sqlite;
using Conveyor.Storage;
using Conveyor.Storage.Memory;

namespace Conveyor.Benchmarks;

/// <summary>
/// The store's side of one dispatch round: claim up to 16 jobs, then complete them in one call.
/// Each invocation handles 16 jobs (OperationsPerInvoke), so the figures are per job. When the queue runs
/// dry, the invocation that notices refills it with 20,000 jobs (one bulk insert per 1,250 rounds, part of
/// the figure). PostgreSQL joins when CONVEYOR_TEST_POSTGRES names a server (a throwaway schema is used).
/// </summary>
[MemoryDiagnoser]
public class ClaimCompleteBenchmarks
{
    private const int Batch = 16;
    private IJobStore _store = null!;
    private string? _path;
    private readonly string[] _kinds = ["bench.noop"];

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = "memory";

    public static IEnumerable<string> Stores =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CONVEYOR_TEST_POSTGRES")) ? ["memory", "sqlite"] : ["memory", "sqlite", "postgres"];

    [GlobalSetup]
    public async Task Setup()
    {
        if (Store == "memory")
        {
            _store = new MemoryJobStore();
        }
        else if (Store == "sqlite")
        {
            _path = Path.Combine(Path.GetTempPath(), $"conveyor-bench-{Guid.NewGuid():N}.db");
            _store = new SqliteJobStore(new SqliteStoreOptions(_path));
        }
        else
        {
            var settings = Postgres.PostgresConnectionString.Parse(Environment.GetEnvironmentVariable("CONVEYOR_TEST_POSTGRES")!)
                with { Schema = $"conveyor_bdn_{Guid.NewGuid():N}"[..28] };
            _store = new Postgres.PostgresJobStore(settings);
        }
        await _store.MigrateAsync();
        await FillAsync();
    }

    private Task FillAsync() => _store.InsertManyAsync(new InsertJobsParams(StoreFixture.Jobs(20_000), StoreFixture.Now));

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task ClaimThenComplete()
    {
        var claimed = await _store.ClaimAsync(new ClaimJobsParams("bench", "default", _kinds, Batch, StoreFixture.Now, StoreFixture.Now.AddSeconds(30)));
        if (claimed.Count < Batch) await FillAsync();
        var completions = new JobCompletion[claimed.Count];
        for (var i = 0; i < completions.Length; i++) completions[i] = new JobCompletion(claimed[i].Id, claimed[i].Attempt, JobOutcome.Succeeded);
        await _store.CompleteManyAsync(new CompleteJobsParams("bench", completions, StoreFixture.Now));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_store is Postgres.PostgresJobStore postgres) await postgres.DropSchemaAsync();
        await _store.DisposeAsync();
        if (_path is not null)
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(_path)!, Path.GetFileName(_path) + "*")) File.Delete(file);
    }
}
