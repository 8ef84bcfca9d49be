using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Conveyor.Web.Tests.Support;

/// <summary>One of the programs of <c>samples/</c> (built beside the tests) running as a child process.</summary>
public sealed partial class SampleProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private SampleProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_gate) return _output.ToString();
        }
    }

    /// <summary>The first address it printed as "Now listening on:" (web apps only).</summary>
    public Uri? Root { get; private set; }

    /// <summary>Starts the sample named <paramref name="name"/> (<c>WebApp</c>, <c>Worker</c>) with <paramref name="args"/> and extra environment.</summary>
    public static async Task<SampleProcess> StartAsync(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, bool waitForListening)
    {
        var dll = typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Sample" + name + "Path").Value!;
        if (!File.Exists(dll)) throw new InvalidOperationException($"the sample is not built: {dll} is missing");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        var sample = new SampleProcess(process);
        if (!waitForListening) return sample;
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (ListeningLine().Match(sample.Output) is { Success: true } match)
            {
                sample.Root = new Uri(match.Groups[1].Value.TrimEnd('/') + "/");
                return sample;
            }
            if (process.HasExited) throw new InvalidOperationException($"sample {name} ended (exit {process.ExitCode}) before listening:\n{sample.Output}");
            if (DateTime.UtcNow > deadline)
            {
                await sample.DisposeAsync();
                throw new TimeoutException($"sample {name} did not listen within {StartTimeout}:\n{sample.Output}");
            }
            await Task.Delay(50);
        }
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

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
