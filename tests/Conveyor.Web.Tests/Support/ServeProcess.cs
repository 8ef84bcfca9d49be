using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Conveyor.Web.Tests.Support;

/// <summary>A running <c>conveyor serve</c> child process, listening on 127.0.0.1 on a port the system chose.</summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ChildProcess _child;

    private ServeProcess(ChildProcess child, Uri root)
    {
        _child = child;
        Root = root;
    }

    /// <summary>The root URL it serves (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Root { get; }

    public string Output => _child.Output;

    /// <summary>Starts <c>conveyor serve --urls http://127.0.0.1:0 args…</c> and waits until it prints where it listens.</summary>
    public static async Task<ServeProcess> StartAsync(string store, IEnumerable<string>? args = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var child = ChildProcess.Start(ConveyorCli.StartInfo(store, ["serve", "--urls", "http://127.0.0.1:0", .. args ?? []], environment));
        try
        {
            var listening = await child.WaitForOutputAsync(ListeningLine(), "conveyor serve listens", StartTimeout);
            return new ServeProcess(child, new Uri(listening.Groups[1].Value));
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends SIGTERM, as a service manager would, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        var process = _child.Process;
        if (Kill(process.Id, 15) != 0) throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed");
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return process.ExitCode;
    }

    public ValueTask DisposeAsync() => _child.DisposeAsync();

    [GeneratedRegex(@"dashboard and API at (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
