using System.Diagnostics;
using System.Reflection;

namespace Conveyor.Postgres.Tests;

/// <summary>
/// The claim designs study (<c>bench/Conveyor.Benchmarks -- claim-designs</c>, docs/benchmarks.md) still runs against the
/// store's schema and statements: every design claims each queued job once and stores it as succeeded, or the study
/// exits with an error. Its figures are not checked here (speed is the benchmark's business).
/// </summary>
public sealed class ClaimDesignStudyTests
{
    private static readonly string StudyPath = typeof(ClaimDesignStudyTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ConveyorBenchmarksPath").Value!;

    [Fact]
    public async Task EveryDesign_ClaimsEachJobOnce_AndStoresItsSuccess_OnTheStoresSchema()
    {
        var (exitCode, output, error) = await RunStudyAsync(TestServer.ConnectionString, "--runs", "1", "--jobs", "300", "--slots", "7");

        exitCode.ShouldBe(0, error);
        output.ShouldContain("300 jobs, claims of 7, 1 rounds");
        foreach (var design in new[] { "store", "current", "combined", "narrow", "lease-row", "hot-claim" })
            output.ShouldContain($"  {design} ");
    }

    [Theory]
    [InlineData(new string[0], "usage: claim-designs")]
    [InlineData(new[] { "Host=127.0.0.1", "--runs", "zero" }, "--runs needs a positive whole number")]
    [InlineData(new[] { "Host=127.0.0.1", "--slots", "0" }, "--slots needs a positive whole number")]
    [InlineData(new[] { "not a connection string" }, "is neither a postgres:// URL nor a key=value connection string")]
    public async Task BadArguments_AreRefusedWithTheReason_BeforeAnyServerIsContacted(string[] args, string reason)
    {
        var (exitCode, _, error) = await RunStudyAsync(args);

        exitCode.ShouldBe(2);
        error.ShouldContain(reason);
    }

    /// <summary>Runs <c>dotnet Conveyor.Benchmarks.dll claim-designs args…</c> as a child process to its end (at most two minutes).</summary>
    private static async Task<(int ExitCode, string Output, string Error)> RunStudyAsync(params string[] args)
    {
        File.Exists(StudyPath).ShouldBeTrue($"the benchmarks are not built: {StudyPath} is missing");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args.Prepend("claim-designs").Prepend(StudyPath))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"claim-designs {string.Join(' ', args)} did not end within two minutes");
        }
        return (process.ExitCode, await output, await error);
    }
}
