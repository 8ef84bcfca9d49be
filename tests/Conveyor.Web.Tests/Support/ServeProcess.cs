using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Conveyor.Web.Tests.Support;

/// <summary>A running <c>conveyor serve</c> child process, listening on 127.0.0.1 on a port the system chose.</summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private ServeProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The root URL it serves (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Root { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_gate) return _output.ToString();
        }
    }

    /// <summary>Starts <c>conveyor serve --urls http://127.0.0.1:0 args…</c> and waits until it prints where it listens.</summary>
    public static async Task<ServeProcess> StartAsync(string store, IEnumerable<string>? args = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Process.Start(ConveyorCli.StartInfo(store, ["serve", "--urls", "http://127.0.0.1:0", .. args ?? []], environment))!;
        process.StandardInput.Close();
        var serve = new ServeProcess(process);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (ListeningLine().Match(serve.Output) is { Success: true } match)
            {
                serve.Root = new Uri(match.Groups[1].Value);
                return serve;
            }
            if (process.HasExited) throw new InvalidOperationException($"conveyor serve ended (exit {process.ExitCode}) before listening:\n{serve.Output}");
            if (DateTime.UtcNow > deadline)
            {
                await serve.DisposeAsync();
                throw new TimeoutException($"conveyor serve did not listen within {StartTimeout}:\n{serve.Output}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGTERM, as a service manager would, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (Kill(_process.Id, 15) != 0) throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed");
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
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

    [GeneratedRegex(@"dashboard and API at (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
