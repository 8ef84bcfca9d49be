using System.Diagnostics;
using System.Globalization;

namespace Conveyor.Cli.Soak;

/// <summary>
/// The soak's own <c>conveyor worker</c> child processes on the store, with the soak's short timings. While the load runs
/// it kills one at random (SIGKILL: no drain, no release) every so often and starts a new one in its place.
/// </summary>
internal sealed class SoakWorkers(string store, SoakSettings settings, SoakLedger ledger, Random random) : IAsyncDisposable
{
    private readonly Process?[] _workers = new Process?[settings.Workers];
    private readonly object _lock = new();

    public void StartAll()
    {
        for (var i = 0; i < _workers.Length; i++)
            _workers[i] = Start(i);
    }

    /// <summary>Kills a random worker every <see cref="SoakSettings.KillEvery"/> (±50 %) and replaces it, until stopped.</summary>
    public async Task KillRandomlyAsync(CancellationToken stop)
    {
        var every = settings.KillEvery.TotalMilliseconds;
        while (true)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(every * (0.5 + random.NextDouble())), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var index = random.Next(_workers.Length);
            Process? victim;
            lock (_lock) victim = _workers[index];
            if (victim is null) continue;
            victim.Kill(entireProcessTree: false); // SIGKILL on Unix
            await victim.WaitForExitAsync(CancellationToken.None);
            victim.Dispose();
            ledger.Killed();
            lock (_lock) _workers[index] = Start(index);
        }
    }

    /// <summary>Workers that died on their own (not killed by the soak): a crash the report must show.</summary>
    public IReadOnlyList<string> Crashed()
    {
        lock (_lock)
            return [.. _workers.Where(w => w is { HasExited: true }).Select(w => $"worker pid {w!.Id} exited with {w.ExitCode}")];
    }

    private Process Start(int index)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        // Run as "dotnet Conveyor.Cli.dll": the host is dotnet, the program its first argument.
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(SoakWorkers).Assembly.Location);
        foreach (var arg in new[]
        {
            "worker", "--queues", $"{settings.Queue}={settings.Concurrency}", "--name", string.Create(CultureInfo.InvariantCulture, $"soak-{settings.RunId}-w{index}-{Guid.NewGuid():N}")[..40],
            "--lease-duration", Seconds(settings.LeaseDuration), "--heartbeat-interval", Seconds(settings.HeartbeatInterval),
            "--maintenance-interval", Seconds(settings.MaintenanceInterval), "--leader-lease-duration", Seconds(settings.LeaderLeaseDuration),
            "--shutdown-timeout", "5s",
        })
        {
            start.ArgumentList.Add(arg);
        }
        // Through the environment, not the command line: a PostgreSQL URL may hold a password that ps would show.
        start.Environment["CONVEYOR_STORE"] = store;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a conveyor worker");
        // Read and dropped: a full pipe would block the worker's logging.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string Seconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMilliseconds}ms");

    public async ValueTask DisposeAsync()
    {
        Process?[] workers;
        lock (_lock) workers = [.. _workers];
        foreach (var worker in workers)
        {
            if (worker is null) continue;
            if (!worker.HasExited) worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync(CancellationToken.None);
            worker.Dispose();
        }
    }
}
