using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Conveyor.Serialization;

namespace Conveyor.Samples.MapReduce;

/// <summary>
/// The command a person runs: makes (or reads) the text, starts the worker processes, enqueues one map job per chunk
/// as a batch whose callback reduces, waits for the callback, prints how long it all took and stops the workers.
/// </summary>
internal static class Coordinator
{
    public static async Task<int> RunAsync(SampleOptions options)
    {
        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupted.Cancel();
        };
        var services = new ServiceCollection();
        services.AddConveyor(o => StoreChoice.Apply(o, options.Store));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<JobClient>();
        // The schema first, once, before the workers open the store too.
        await provider.GetRequiredService<Storage.IJobStore>().MigrateAsync(interrupted.Token);

        var text = options.Text ?? Generate(options);
        var chunks = Chunks(text, options.ChunkLines);
        if (chunks.Count == 0) throw new ArgumentException($"{text} holds no text to count");
        Console.WriteLine($"text: {text} ({new FileInfo(text).Length:N0} bytes), {chunks.Count} chunks of up to {options.ChunkLines} lines");

        var workers = new List<Process>();
        try
        {
            var ready = new List<Task>();
            for (var i = 1; i <= options.Workers; i++)
            {
                var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                workers.Add(StartWorker(options, $"mapreduce-{i}", up));
                ready.Add(up.Task);
            }
            await WhenReadyAsync(ready, workers, interrupted.Token);
            var watch = Stopwatch.StartNew();
            var jobOptions = new JobOptions { Queue = SampleOptions.Queue };
            var batch = await client.EnqueueBatchAsync(
                chunks.Select((chunk, i) => new CountWords(i + 1, chunk)), new Reduce(options.Top, options.Out is null ? null : Path.GetFullPath(options.Out)),
                childOptions: jobOptions, thenOptions: jobOptions, cancellationToken: interrupted.Token);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batch {batch.BatchId}: {chunks.Count} map jobs on {options.Workers} workers, reduce job {batch.CallbackJobId} (enqueued in {watch.Elapsed.TotalSeconds:F2}s)"));

            var callback = await WaitAsync(client, batch.CallbackJobId, workers, interrupted.Token);
            var elapsed = watch.Elapsed;
            await StopAsync(workers);
            if (callback.State != JobState.Succeeded)
                throw new InvalidOperationException($"the reduce job {callback.Id} ended {callback.State.ToWireName()}: {callback.Errors.LastOrDefault()?.Message}");
            var result = JsonSerializer.Deserialize<ReduceResult>(callback.ResultJson!, ConveyorJson.Options)!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"counted {result.Words:N0} words ({result.Distinct:N0} distinct) on {options.Workers} workers in {elapsed.TotalSeconds:F2}s, enqueue to reduce done"));
            return result.FailedChunks == 0 ? 0 : 1;
        }
        finally
        {
            await StopAsync(workers);
        }
    }

    /// <summary>Writes the seeded text to <c>--save-text</c> (or a temporary file) and returns its path.</summary>
    private static string Generate(SampleOptions options)
    {
        var path = options.SaveText ?? Path.Combine(Path.GetTempPath(), $"conveyor-mapreduce-{options.Seed}-{options.Words}.txt");
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            TextGenerator.Write(writer, options.Words, options.Seed);
        return path;
    }

    /// <summary>The text in chunks of whole lines, so that no word is cut in two.</summary>
    private static List<string> Chunks(string path, int linesPerChunk)
    {
        var chunks = new List<string>();
        var chunk = new StringBuilder();
        var lines = 0;
        foreach (var line in File.ReadLines(path))
        {
            chunk.Append(line).Append('\n');
            if (++lines < linesPerChunk) continue;
            chunks.Add(chunk.ToString());
            chunk.Clear();
            lines = 0;
        }
        if (chunk.Length > 0) chunks.Add(chunk.ToString());
        return chunks;
    }

    /// <summary>This program again, as <c>worker</c>; its output is relayed with its name in front.</summary>
    private static Process StartWorker(SampleOptions options, string name, TaskCompletionSource ready)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path to start the workers");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Run as "dotnet MapReduce.dll": the workers are started the same way.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var arg in new[] { "worker", "--store", options.Store, "--name", name, "--concurrency", options.Concurrency.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start worker {name}");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == WorkerNode.ReadyLine) ready.TrySetResult();
            else Relay(Console.Out, name, e.Data);
        };
        process.ErrorDataReceived += (_, e) => Relay(Console.Error, name, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Relay(TextWriter to, string name, string? line)
    {
        if (line is not null) to.WriteLine($"[{name}] {line}");
    }

    /// <summary>Waits until every worker said it runs; fails when one exits first or none is up within a minute.</summary>
    private static async Task WhenReadyAsync(List<Task> ready, List<Process> workers, CancellationToken cancellationToken)
    {
        var all = Task.WhenAll(ready);
        var patience = Stopwatch.StartNew();
        while (!all.IsCompleted)
        {
            if (workers.Any(w => w.HasExited)) throw new InvalidOperationException("a worker exited while starting (its output is above)");
            if (patience.Elapsed > TimeSpan.FromMinutes(1)) throw new InvalidOperationException("the workers did not start within a minute");
            await Task.WhenAny(all, Task.Delay(100, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static async Task<JobInfo> WaitAsync(JobClient client, long id, List<Process> workers, CancellationToken cancellationToken)
    {
        while (true)
        {
            var job = await client.GetAsync(id, cancellationToken) ?? throw new InvalidOperationException($"the reduce job {id} was deleted");
            if (job.State.IsFinal()) return job;
            if (workers.All(w => w.HasExited)) throw new InvalidOperationException("every worker exited before the reduce job ran (their output is above)");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Closes each worker's input (it drains and exits), then waits; a worker that does not end in 30 s is killed.</summary>
    private static async Task StopAsync(List<Process> workers)
    {
        foreach (var worker in workers.Where(w => !w.HasExited))
        {
            try
            {
                worker.StandardInput.Close();
            }
            catch (IOException)
            {
                // It exited meanwhile.
            }
        }
        foreach (var worker in workers)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await worker.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync(CancellationToken.None);
            }
            worker.Dispose();
        }
        workers.Clear();
    }
}
