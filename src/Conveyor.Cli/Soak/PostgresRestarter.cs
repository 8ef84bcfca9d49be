using System.Diagnostics;

namespace Conveyor.Cli.Soak;

/// <summary>Restarts the PostgreSQL server every so often with the given shell command, until stopped.</summary>
internal sealed class PostgresRestarter(string command, TimeSpan every, SoakLedger ledger, Random random)
{
    /// <summary>The restarts' error lines (a command that failed): the report shows them.</summary>
    public List<string> Failures { get; } = [];

    public async Task RunAsync(CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(every.TotalMilliseconds * (0.5 + random.NextDouble())), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(command);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run the restart command");
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            // Not cancelled by stop: a restart half done would leave the server down for the checks.
            await process.WaitForExitAsync(CancellationToken.None);
            await output;
            var errorText = (await error).Trim();
            if (process.ExitCode == 0) ledger.Restarted();
            else Failures.Add($"restart command exited {process.ExitCode}: {errorText}");
        }
    }
}
