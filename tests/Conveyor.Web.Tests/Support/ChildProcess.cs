using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Conveyor.Web.Tests.Support;

/// <summary>A real child process whose stdout and stderr are collected as they come; disposing kills what is left of it.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private ChildProcess(Process process)
    {
        Process = process;
        Process.OutputDataReceived += (_, e) => Append(e.Data);
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Everything it printed so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_gate) return _output.ToString();
        }
    }

    /// <summary><c>dotnet DLL args…</c> with its output redirected as UTF-8.</summary>
    public static ProcessStartInfo Dotnet(string dll, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_NOLOGO"] = "1";
        return start;
    }

    /// <summary>Starts <paramref name="start"/> (made by <see cref="Dotnet"/>) with nothing on its stdin.</summary>
    public static ChildProcess Start(ProcessStartInfo start)
    {
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return new ChildProcess(process);
    }

    /// <summary>Waits until its output matches <paramref name="pattern"/>; fails if it ends or <paramref name="timeout"/> passes first.</summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (pattern.Match(Output) is { Success: true } match) return match;
            if (Process.HasExited) throw new InvalidOperationException($"the process ended (exit {Process.ExitCode}) before {what}:\n{Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting until {what}:\n{Output}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate) _output.Append(line).Append('\n');
    }
}
