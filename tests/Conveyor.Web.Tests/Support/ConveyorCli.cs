using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Conveyor.Web.Tests.Support;

/// <summary>Runs the built conveyor program (<c>dotnet Conveyor.Cli.dll …</c>) as a real child process.</summary>
public static class ConveyorCli
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The CLI's dll in its own build output.</summary>
    public static string DllPath { get; } = typeof(ConveyorCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ConveyorCliPath").Value!;

    public static ProcessStartInfo StartInfo(string store, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(DllPath)) throw new InvalidOperationException($"the CLI is not built: {DllPath} is missing");
        var start = ChildProcess.Dotnet(DllPath, args);
        start.Environment["CONVEYOR_STORE"] = store;
        start.Environment.Remove("CONVEYOR_API_KEY");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return start;
    }

    /// <summary>Runs one command to its end; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string store, params string[] args)
    {
        using var process = Process.Start(StartInfo(store, args))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"conveyor {string.Join(' ', args)} did not end within {CommandTimeout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
