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
        File.Exists(StudyPath).ShouldBeTrue($"the benchmarks are not built: {StudyPath} is missing");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { StudyPath, "claim-designs", TestServer.ConnectionString, "--runs", "1", "--jobs", "300", "--slots", "7" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        process.ExitCode.ShouldBe(0, await stderr);
        output.ShouldContain("300 jobs, claims of 7, 1 rounds");
        foreach (var design in new[] { "store", "current", "combined", "narrow", "lease-row", "hot-claim" })
            output.ShouldContain($"  {design} ");
    }

    [Theory]
    [InlineData(new string[0], "usage: claim-designs")]
    [InlineData(new[] { "Host=127.0.0.1", "--runs", "zero" }, "--runs needs a positive whole number")]
    [InlineData(new[] { "Host=127.0.0.1", "--slots", "0" }, "--slots needs a positive whole number")]
    [InlineData(new[] { "not a connection string" }, "is neither a postgres:// URL nor a key=value connection string")]
    public async Task BadArguments_AreRefusedWithTheReason_BeforeAnyServerIsContacted(string[] args, string error)
    {
        File.Exists(StudyPath).ShouldBeTrue($"the benchmarks are not built: {StudyPath} is missing");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(StudyPath);
        start.ArgumentList.Add("claim-designs");
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(2);
        (await stderr).ShouldContain(error);
    }
}
