using System.Diagnostics;
using System.Globalization;

namespace Conveyor.Bench;

/// <summary>
/// Starts <c>conveyor worker</c> processes of the running CLI for <c>conveyor bench --nodes K</c>: the scale-out
/// measure runs real nodes in their own processes, as a cluster would.
/// </summary>
/// <param name="cliAssembly">The CLI's assembly file, which <c>dotnet</c> runs when the CLI was started through it.</param>
public sealed class ProcessNodeLauncher(string cliAssembly) : IBenchNodeLauncher
{
    /// <inheritdoc />
    public Task<IBenchNodes> StartNodesAsync(string storeUrl, int nodes, int concurrency, IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        var processes = new List<Process>(nodes);
        try
        {
            for (var i = 1; i <= nodes; i++)
            {
                var start = StartInfo(["worker", "--store", storeUrl, "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture),
                    "--queues", string.Join(',', queues),
                    "--name", $"bench-node-{i}-{Environment.ProcessId}"]);
                var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a node process");
                // Their logs are not part of the measure; drain them so a full pipe never blocks a node.
                process.OutputDataReceived += static (_, _) => { };
                process.ErrorDataReceived += static (_, _) => { };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                processes.Add(process);
            }
        }
        catch
        {
            foreach (var process in processes) Stop(process);
            throw;
        }
        return Task.FromResult<IBenchNodes>(new Nodes(processes));
    }

    /// <summary>The CLI again: <c>dotnet Conveyor.Cli.dll …</c>, or its apphost when it was started that way.</summary>
    private ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(cliAssembly);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("CONVEYOR_STORE");
        return start;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Ended meanwhile.
        }
    }

    private sealed class Nodes(List<Process> processes) : IBenchNodes
    {
        public TimeSpan ProcessorTime()
        {
            var total = TimeSpan.Zero;
            foreach (var process in processes)
            {
                process.Refresh();
                total += process.TotalProcessorTime;
            }
            return total;
        }

        public async ValueTask DisposeAsync()
        {
            // Every job has succeeded when the bench stops the nodes, so a kill loses nothing and is quicker than a drain.
            foreach (var process in processes) Stop(process);
            foreach (var process in processes)
            {
                await process.WaitForExitAsync().ConfigureAwait(false);
                process.Dispose();
            }
        }
    }
}
