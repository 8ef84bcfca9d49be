using Microsoft.Data.Sqlite;

namespace Conveyor.Reliability.Support;

/// <summary>A folder with one SQLite store file, the CLI on it, and direct reads of its tables.</summary>
public sealed class SqliteSite : IAsyncDisposable
{
    private readonly ProcessGroup _processes = new();

    public SqliteSite(string? folder = null)
    {
        Directory = folder ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "conveyor-reliability", Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "conveyor.db");
    }

    public string Directory { get; }
    public string Path { get; }
    public string Store => "sqlite:" + Path;

    public Task<CliResult> RunAsync(params string[] args) => ConveyorCli.RunAsync(Store, Directory, args);

    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        result.ExitCode.ShouldBe(0, $"conveyor {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    /// <summary>Enqueues <paramref name="count"/> jobs of one kind through <c>enqueue KIND --from FILE</c>.</summary>
    public async Task<IReadOnlyList<long>> EnqueueManyAsync(string kind, int count, string argsJson = "{}")
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"conveyor-jobs-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Repeat(argsJson, count));
        try
        {
            var ids = (await OkAsync("enqueue", kind, "--from", file)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
            ids.Count.ShouldBe(count);
            return ids;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Starts <c>conveyor worker --name NAME timings… args…</c> on this store and waits until its node has started.</summary>
    public async Task<WorkerProcess> StartWorkerAsync(string name, ClusterTimings timings, params string[] args)
    {
        var worker = _processes.Add(WorkerProcess.Start(Store, Directory, ["worker", "--name", name, .. timings.Arguments, .. args]));
        await worker.WaitForOutputAsync("started", TimeSpan.FromSeconds(60));
        return worker;
    }

    /// <summary>A read-only connection of this test's own (not the store's).</summary>
    public SqliteConnection Open(SqliteOpenMode mode = SqliteOpenMode.ReadOnly)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 30000";
        busy.ExecuteNonQuery();
        return connection;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<string> TextAsync(string sql)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>Jobs per state.</summary>
    public async Task<Dictionary<string, long>> CountsAsync()
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state, count(*) FROM conveyor_jobs GROUP BY state";
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        await _processes.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying child (or a file system being unmounted); the temp folder is cleaned eventually.
        }
    }
}
