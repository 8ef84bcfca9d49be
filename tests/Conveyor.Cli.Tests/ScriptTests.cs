using System.Diagnostics;

namespace Conveyor.Cli.Tests;

/// <summary>
/// The <c>./conveyor</c> script, copied into a scratch checkout with a stand-in <c>dotnet</c> first on PATH (one that
/// prints what a real build prints), so that its first build can be watched without building: it says what it does,
/// in one line, and nothing else unless the build fails.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ScriptTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "conveyor-script-tests", Guid.NewGuid().ToString("N"));

    private static string RepositoryRoot => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Support.ConveyorCli.DllPath)!, "../../../../.."));

    public ScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "src", "Conveyor.Cli"));
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        File.Copy(Path.Combine(RepositoryRoot, "conveyor"), Path.Combine(_root, "conveyor"));
        File.WriteAllText(Path.Combine(_root, "src", "Conveyor.Cli", "Program.cs"), "// a source file");
    }

    /// <summary>A stand-in for dotnet: <c>build</c> prints a build's usual chatter and makes the dll (or fails); running the dll prints its args.</summary>
    private void FakeDotnet(bool buildFails)
    {
        var dotnet = Path.Combine(_root, "bin", "dotnet");
        File.WriteAllText(dotnet, $$"""
            #!/usr/bin/env bash
            if [[ $1 == build ]]; then
              echo "  Determining projects to restore..."
              echo "Build succeeded."
              echo "    0 Warning(s)"
              {{(buildFails ? "echo 'Program.cs(1,1): error CS1002: ; expected'; exit 1" : "")}}
              mkdir -p "{{_root}}/src/Conveyor.Cli/bin/Release/net10.0"
              touch "{{_root}}/src/Conveyor.Cli/bin/Release/net10.0/Conveyor.Cli.dll"
              exit 0
            fi
            shift
            echo "ran $*"
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(_root, "conveyor")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["PATH"] = $"{Path.Combine(_root, "bin")}:{Environment.GetEnvironmentVariable("PATH")}";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task FirstBuild_SaysWhatItDoes_AndNothingElse_ThenRunsTheCommand()
    {
        FakeDotnet(buildFails: false);

        var first = await RunAsync("jobs", "list");
        first.Code.ShouldBe(0, first.Stderr);
        first.Stderr.ShouldBe("conveyor: building the command (once; again only after a source change)…\n");
        first.Stdout.ShouldBe("ran jobs list\n");

        var second = await RunAsync("queues");
        second.Stderr.ShouldBeEmpty("an up-to-date build is not built again");
        second.Stdout.ShouldBe("ran queues\n");
    }

    [Fact]
    public async Task FailedBuild_ShowsTheBuildsOutput_AndExitsOne()
    {
        FakeDotnet(buildFails: true);

        var result = await RunAsync("jobs", "list");

        result.Code.ShouldBe(1);
        result.Stderr.ShouldContain("error CS1002: ; expected");
        result.Stderr.TrimEnd().ShouldEndWith("conveyor: build failed");
        result.Stdout.ShouldBeEmpty();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
