using System.Text.Json;

namespace Conveyor.Cli.Tests.Support;

/// <summary>
/// A temporary folder with its own SQLite store file, and the conveyor commands that run on it.
/// Every test gets its own, so tests run in parallel without seeing each other.
/// </summary>
public sealed class Workspace : IAsyncDisposable
{
    private readonly List<WorkerProcess> _workers = [];

    public Workspace()
    {
        Directory = Path.Combine(Path.GetTempPath(), "conveyor-cli-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        StorePath = Path.Combine(Directory, "conveyor.db");
        Store = $"sqlite:{StorePath}";
    }

    public string Directory { get; }

    /// <summary>The SQLite file of <see cref="Store"/>.</summary>
    public string StorePath { get; }

    /// <summary>The store every command of this workspace uses (passed through CONVEYOR_STORE).</summary>
    public string Store { get; }

    /// <summary>Runs <c>conveyor args…</c> to its end.</summary>
    public Task<CliResult> RunAsync(params string[] args) => ConveyorCli.RunAsync(Store, Directory, args);

    /// <summary>Runs <c>conveyor args…</c> with <paramref name="stdin"/> on standard input.</summary>
    public Task<CliResult> RunWithInputAsync(string stdin, params string[] args) => ConveyorCli.RunAsync(Store, Directory, args, stdin);

    /// <summary>Runs a command that must succeed; returns its stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        result.ExitCode.ShouldBe(0, $"conveyor {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    /// <summary>Enqueues one job and returns its id.</summary>
    public async Task<long> EnqueueAsync(params string[] args) => long.Parse((await OkAsync(["enqueue", .. args])).Trim());

    /// <summary>The job JSON of <c>jobs show ID --json</c>.</summary>
    public async Task<JsonElement> JobAsync(long id) => Parse(await OkAsync("jobs", "show", id.ToString(), "--json"));

    /// <summary>Every job in the store (paging through <c>jobs list --json</c>).</summary>
    public async Task<List<JsonElement>> AllJobsAsync()
    {
        var jobs = new List<JsonElement>();
        // Read-only commands refuse a store that does not exist; one that was never created holds no jobs.
        if (!File.Exists(StorePath)) return jobs;
        string? cursor = null;
        do
        {
            string[] args = cursor is null ? ["jobs", "list", "--json", "--limit", "1000"] : ["jobs", "list", "--json", "--limit", "1000", "--cursor", cursor];
            var page = Parse(await OkAsync(args));
            jobs.AddRange(page.GetProperty("jobs").EnumerateArray());
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);
        return jobs;
    }

    /// <summary>Jobs per state over every queue, from <c>queues --json</c>.</summary>
    public async Task<Dictionary<string, long>> CountsAsync()
    {
        var counts = new Dictionary<string, long>();
        if (!File.Exists(StorePath)) return counts;
        foreach (var queue in Parse(await OkAsync("queues", "--json")).GetProperty("queues").EnumerateArray())
            foreach (var count in queue.GetProperty("counts").EnumerateObject())
                counts[count.Name] = counts.GetValueOrDefault(count.Name) + count.Value.GetInt64();
        return counts;
    }

    /// <summary>Starts <c>conveyor worker args…</c> and waits until its node has started.</summary>
    public async Task<WorkerProcess> StartWorkerAsync(params string[] args)
    {
        var worker = WorkerProcess.Start(Store, Directory, ["worker", .. args]);
        _workers.Add(worker);
        await worker.WaitForOutputAsync("started", TimeSpan.FromSeconds(60));
        return worker;
    }

    /// <summary>Writes a file into the workspace and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) await worker.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying child; the temp folder is cleaned up by the system eventually.
        }
    }
}
