using System.Diagnostics;
using System.Text.Json;

namespace Conveyor.Cluster.Tests.Support;

/// <summary>
/// One test's cluster: a schema of its own on a PostgreSQL server, real <c>conveyor worker</c> processes on
/// it, and the CLI commands that inspect it. Disposing kills the workers and drops the schema.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<WorkerProcess> _workers = [];
    private readonly bool _ownsServer;
    private readonly Postgres.PostgresJobStore _monitor;

    private TestCluster(PostgresServer server, bool ownsServer)
    {
        Server = server;
        _ownsServer = ownsServer;
        Schema = "cluster_" + Guid.NewGuid().ToString("N")[..12];
        Store = server.StoreUrl(Schema);
        Directory = Path.Combine(Path.GetTempPath(), "conveyor-cluster-tests", Schema);
        _monitor = new Postgres.PostgresJobStore(Store);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public PostgresServer Server { get; }
    public string Schema { get; }
    public string Store { get; }
    public string Directory { get; }
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>A cluster on the test run's server.</summary>
    public static async Task<TestCluster> OnSharedServerAsync()
    {
        var cluster = new TestCluster(PostgresServer.Shared(), ownsServer: false);
        await cluster.OkAsync("migrate");
        return cluster;
    }

    /// <summary>A cluster on a server of its own (for tests that restart PostgreSQL).</summary>
    public static async Task<TestCluster> OnPrivateServerAsync()
    {
        var cluster = new TestCluster(await PostgresServer.StartPrivateAsync(), ownsServer: true);
        await cluster.OkAsync("migrate");
        return cluster;
    }

    public Task<CliResult> RunAsync(params string[] args) => ConveyorCli.RunAsync(Store, Directory, args);

    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        result.ExitCode.ShouldBe(0, $"conveyor {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    /// <summary>Enqueues the same args <paramref name="count"/> times through <c>enqueue KIND --from FILE</c> (one bulk call per chunk).</summary>
    public async Task<IReadOnlyList<long>> EnqueueManyAsync(string kind, int count, string argsJson = "{}")
    {
        var file = Path.Combine(Directory, $"jobs-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Repeat(argsJson, count));
        var ids = (await OkAsync("enqueue", kind, "--from", file)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
        ids.Count.ShouldBe(count);
        return ids;
    }

    /// <summary>
    /// Jobs per state over every queue, read in-process through the store (a CLI call costs a process start, which
    /// would blur the timings these tests report).
    /// </summary>
    public async Task<Dictionary<string, long>> CountsAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var queue in await _monitor.ListQueuesAsync(new Storage.ListQueuesParams()))
            foreach (var (state, count) in queue.Counts)
                counts[state.ToWireName()] = counts.GetValueOrDefault(state.ToWireName()) + count;
        return counts;
    }

    /// <summary>Jobs per state over every queue, as <c>queues --json</c> prints them.</summary>
    public async Task<Dictionary<string, long>> CliCountsAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var queue in Parse(await OkAsync("queues", "--json")).GetProperty("queues").EnumerateArray())
            foreach (var count in queue.GetProperty("counts").EnumerateObject())
                counts[count.Name] = counts.GetValueOrDefault(count.Name) + count.Value.GetInt64();
        return counts;
    }

    /// <summary>Every job (paging through <c>jobs list --json</c>).</summary>
    public async Task<List<JsonElement>> AllJobsAsync(string? state = null)
    {
        var jobs = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var args = new List<string> { "jobs", "list", "--json", "--limit", "1000" };
            if (state is not null) args.AddRange(["--state", state]);
            if (cursor is not null) args.AddRange(["--cursor", cursor]);
            var page = Parse(await OkAsync([.. args]));
            jobs.AddRange(page.GetProperty("jobs").EnumerateArray());
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").ToString();
        }
        while (cursor is not null);
        return jobs;
    }

    public async Task<JsonElement> JobAsync(long id) => Parse(await OkAsync("jobs", "show", id.ToString(), "--json"));

    /// <summary>The registry (<c>nodes --json</c>).</summary>
    public async Task<List<JsonElement>> NodesAsync() =>
        [.. Parse(await OkAsync("nodes", "--json")).GetProperty("nodes").EnumerateArray()];

    /// <summary>The name of the node marked leader in <c>nodes --json</c>, or null.</summary>
    public async Task<string?> LeaderAsync() =>
        (await NodesAsync()).Where(n => n.GetProperty("leader").GetBoolean()).Select(n => n.GetProperty("name").GetString()).SingleOrDefault();

    /// <summary>The current leader as the store's election says, read in-process (fast enough to time a failover).</summary>
    public Task<string?> ElectedLeaderAsync() => _monitor.LeaderElector.GetLeaderAsync(new Storage.GetLeaderParams(DateTimeOffset.UtcNow));

    /// <summary>Starts <c>conveyor worker --name NAME timings… args…</c> and waits until its node has started.</summary>
    public async Task<WorkerProcess> StartWorkerAsync(string name, ClusterTimings timings, params string[] args)
    {
        var worker = WorkerProcess.Start(Store, Directory, ["worker", "--name", name, .. timings.Arguments, .. args]);
        lock (_workers) _workers.Add(worker);
        await worker.WaitForOutputAsync("started", TimeSpan.FromSeconds(60));
        return worker;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails after <paramref name="timeout"/>. Returns how long it took.</summary>
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, int pollMilliseconds = 250)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout) throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            await Task.Delay(pollMilliseconds);
        }
        return watch.Elapsed;
    }

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) await worker.DisposeAsync();
        await _monitor.DisposeAsync();
        try
        {
            if (_ownsServer) await Server.DisposeAsync();
            else await Server.DropSchemaAsync(Schema);
        }
        finally
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a dying child; the system cleans the temp folder eventually.
            }
        }
    }
}
