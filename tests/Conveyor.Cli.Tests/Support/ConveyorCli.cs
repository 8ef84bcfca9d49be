using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Conveyor.Cli.Tests.Support;

/// <summary>Runs the built conveyor program (<c>dotnet Conveyor.Cli.dll …</c>) as a real child process.</summary>
public static class ConveyorCli
{
    /// <summary>The longest a short command may take before the test fails (generous: a busy 2-core machine).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The CLI's dll in its own build output.</summary>
    public static string DllPath { get; } = typeof(ConveyorCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ConveyorCliPath").Value!;

    /// <summary>A start description for <c>dotnet Conveyor.Cli.dll args…</c> on <paramref name="store"/> (through CONVEYOR_STORE).</summary>
    public static ProcessStartInfo StartInfo(string store, string workingDirectory, IEnumerable<string> args)
    {
        if (!File.Exists(DllPath)) throw new InvalidOperationException($"the CLI is not built: {DllPath} is missing");
        var start = DotnetStartInfo(DllPath, workingDirectory, args);
        start.Environment["CONVEYOR_STORE"] = store;
        start.Environment.Remove("CONVEYOR_DEBUG");
        return start;
    }

    /// <summary>A start description for <c>dotnet DLL args…</c> with every stream redirected (UTF-8).</summary>
    public static ProcessStartInfo DotnetStartInfo(string dll, string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_NOLOGO"] = "1";
        return start;
    }

    /// <summary>Runs one command to its end and returns its exit code and output.</summary>
    /// <param name="environment">Variables to set for the process (e.g. a shifted clock), or null.</param>
    public static async Task<CliResult> RunAsync(string store, string workingDirectory, IEnumerable<string> args, string? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = StartInfo(store, workingDirectory, args);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
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
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
