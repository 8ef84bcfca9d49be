using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Xunit.Abstractions;

namespace Conveyor.Samples.Tests;

/// <summary>
/// The MapReduce sample as a person runs it: one process that starts worker processes of its own on a SQLite file.
/// Its counts must be those of <c>tr -cs 'A-Za-z' '\n' | tr A-Z a-z | sort | uniq -c</c> on the same text.
/// </summary>
public sealed class MapReduceSampleTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string SamplePath = typeof(MapReduceSampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "MapReducePath").Value!;

    private readonly string _directory = Directory.CreateTempSubdirectory("conveyor-mapreduce-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ThreeWorkerProcesses_CountEveryWordAsTrSortUniqDoes()
    {
        var text = Path.Combine(_directory, "text.txt");
        var counts = Path.Combine(_directory, "counts.txt");

        var run = await RunAsync("dotnet", [SamplePath, "--workers", "3", "--store", $"sqlite:{Path.Combine(_directory, "mr.db")}",
            "--words", "400000", "--seed", "7", "--chunk-lines", "1000", "--save-text", text, "--out", counts, "--top", "5"]);

        output.WriteLine(run.Output);
        run.ExitCode.ShouldBe(0, run.Output);
        run.Output.ShouldContain("counted ");
        run.Output.ShouldContain("1. the ");
        var workers = run.Output.Split('\n').Where(l => l.StartsWith("[mapreduce-", StringComparison.Ordinal) && l.Contains("reduce: "));
        workers.Count().ShouldBe(1, "the reduce runs once, on one of the workers");

        var shell = await RunAsync("bash", ["-c", "tr -cs 'A-Za-z' '\\n' < \"$1\" | tr A-Z a-z | sort | uniq -c", "count", text]);
        shell.ExitCode.ShouldBe(0, shell.Output);
        var expected = Parse(shell.Output);
        var actual = Parse(await File.ReadAllTextAsync(counts));
        expected.Count.ShouldBeGreaterThan(1000);
        actual.Count.ShouldBe(expected.Count);
        foreach (var (word, count) in expected)
            actual.GetValueOrDefault(word).ShouldBe(count, $"the count of '{word}'");
    }

    [Fact]
    public async Task TheSameSeed_GivesTheSameText()
    {
        var first = Path.Combine(_directory, "first.txt");
        var second = Path.Combine(_directory, "second.txt");
        foreach (var path in new[] { first, second })
        {
            var run = await RunAsync("dotnet", [SamplePath, "--workers", "1", "--store", $"sqlite:{Path.Combine(_directory, Path.GetFileNameWithoutExtension(path) + ".db")}",
                "--words", "20000", "--seed", "11", "--save-text", path]);
            run.ExitCode.ShouldBe(0, run.Output);
        }

        (await File.ReadAllBytesAsync(first)).ShouldBe(await File.ReadAllBytesAsync(second));
    }

    [Fact]
    public async Task AMemoryStore_IsRefused_WithTheReason()
    {
        var run = await RunAsync("dotnet", [SamplePath, "--store", "memory:"]);

        run.ExitCode.ShouldBe(1, run.Output);
        run.Output.ShouldContain("the workers are processes of their own");
    }

    /// <summary><c>count word</c> lines (as <c>uniq -c</c> prints them, padded or not); the empty word tr makes of leading separators is dropped.</summary>
    private static Dictionary<string, long> Parse(string lines)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Trim().Split(' ', 2);
            if (parts.Length < 2 || parts[1].Length == 0) continue;
            counts[parts[1]] = long.Parse(parts[0], CultureInfo.InvariantCulture);
        }
        return counts;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["LC_ALL"] = "C";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not end within 3 minutes");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
