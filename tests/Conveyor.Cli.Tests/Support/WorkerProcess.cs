using System.Diagnostics;
using System.Text;

namespace Conveyor.Cli.Tests.Support;

/// <summary>A running <c>conveyor worker</c> child process whose output is collected as it comes.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the worker wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate) return _output.ToString();
        }
    }

    public static WorkerProcess Start(string store, string workingDirectory, IEnumerable<string> args) =>
        Start(ConveyorCli.StartInfo(store, workingDirectory, args));

    /// <summary>Starts any program whose output is redirected (another node program, or the CLI under a changed environment).</summary>
    public static WorkerProcess Start(ProcessStartInfo start)
    {
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return new WorkerProcess(process);
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails if the process ends first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"the worker ended (exit {_process.ExitCode}) before writing '{text}':\n{Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the worker did not write '{text}' within {timeout}:\n{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGKILL (<c>kill -9</c>): the process dies at once, holding whatever it held.</summary>
    public void Kill() => Signals.Send(_process.Id, Signals.SIGKILL);

    /// <summary>Sends SIGTERM, as a service manager would.</summary>
    public void Terminate() => Signals.Send(_process.Id, Signals.SIGTERM);

    /// <summary>Waits for the process to end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the worker did not exit within {timeout}:\n{Output}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate) _output.Append(line).Append('\n');
    }
}
