using System.Diagnostics;

namespace Conveyor.Cli.Tests.Support;

/// <summary>
/// A real terminal of a fixed size for the conveyor program: a tmux server of its own (no status line, so the pane
/// is the whole 80×24) running one command; the screen is read as a person would see it.
/// </summary>
public sealed class Terminal : IAsyncDisposable
{
    private readonly string _socket = $"conveyor-test-{Guid.NewGuid():N}";
    private readonly string _config;

    private Terminal(string config) => _config = config;

    public const int Columns = 80;
    public const int Rows = 24;

    /// <summary>The line the shell prints after the command, with its exit code.</summary>
    public const string ExitMarker = "[exit ";

    /// <summary>Starts <c>conveyor args…</c> in <paramref name="workingDirectory"/> on <paramref name="store"/> in an 80×24 terminal.</summary>
    public static async Task<Terminal> StartAsync(string store, string workingDirectory, params string[] args)
    {
        var config = Path.Combine(workingDirectory, "tmux.conf");
        await File.WriteAllTextAsync(config, "set -g status off\n");
        var terminal = new Terminal(config);
        var command = $"cd {Quote(workingDirectory)} && CONVEYOR_STORE={Quote(store)} DOTNET_NOLOGO=1 dotnet {Quote(ConveyorCli.DllPath)} "
            + string.Join(' ', args.Select(Quote)) + $"; echo \"{ExitMarker}$?]\"; sleep 600";
        await terminal.TmuxAsync("new-session", "-d", "-x", Columns.ToString(), "-y", Rows.ToString(), "-s", "conveyor", command);
        return terminal;
    }

    /// <summary>The screen now: <see cref="Rows"/> lines, their trailing spaces removed.</summary>
    public async Task<IReadOnlyList<string>> ScreenAsync() =>
        (await TmuxAsync("capture-pane", "-p", "-J", "-t", "conveyor")).TrimEnd('\n').Split('\n').Select(l => l.TrimEnd()).ToList();

    /// <summary>Waits until the screen shows <paramref name="text"/>; returns that screen.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var screen = await ScreenAsync();
            if (screen.Any(l => l.Contains(text, StringComparison.Ordinal))) return screen;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the terminal did not show '{text}' within {timeout}:\n{string.Join('\n', screen)}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the command to end and returns the screen it left, up to the exit line.</summary>
    public async Task<IReadOnlyList<string>> WaitForExitAsync(TimeSpan timeout)
    {
        var screen = await WaitForAsync(ExitMarker, timeout);
        return screen.TakeWhile(l => !l.StartsWith(ExitMarker, StringComparison.Ordinal)).ToList();
    }

    private async Task<string> TmuxAsync(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-L", _socket, "-f", _config }.Concat(args)) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("tmux did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"the terminal tests need tmux on PATH (apt-get install tmux): {e.Message}", e);
        }
        using var owned = process;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)} failed: {await error}");
        return await output;
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await TmuxAsync("kill-server");
        }
        catch (InvalidOperationException)
        {
            // The server is gone already.
        }
    }
}
