using System.Diagnostics;
using System.Globalization;
using Conveyor.Cli.Soak;
using Conveyor.Cli.Tests.Support;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Cli.Tests;

/// <summary>
/// <c>conveyor soak</c>: a short run on SQLite in the default suite (<c>CONVEYOR_SOAK_MINUTES</c> makes it longer), and the
/// audit itself shown to catch what it looks for.
/// </summary>
public sealed class SoakTests : IAsyncLifetime
{
    private readonly Workspace _workspace = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _workspace.DisposeAsync();

    private static double Minutes =>
        double.TryParse(Environment.GetEnvironmentVariable("CONVEYOR_SOAK_MINUTES"), NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m > 0 ? m : 0.5;

    [Fact]
    public async Task A_soak_with_kill_9_of_its_workers_holds_every_invariant_and_reports_on_one_screen()
    {
        var minutes = Minutes.ToString(CultureInfo.InvariantCulture);
        var start = ConveyorCli.StartInfo(_workspace.Store, _workspace.Directory, ["soak", "--minutes", minutes, "--kill-every", "5s", "--rate", "30"]);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(Minutes + 4)))
            await process.WaitForExitAsync(timeout.Token);
        var result = new CliResult(process.ExitCode, await stdout, await stderr);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.OutputLines.Count.ShouldBeLessThanOrEqualTo(24, "one screen");
        result.Stdout.ShouldContain("every invariant held");
        foreach (var invariant in SoakAudit.All) result.Stdout.ShouldContain($"ok      {invariant}");
        var killed = result.OutputLines.Single(l => l.StartsWith("workers killed", StringComparison.Ordinal));
        int.Parse(killed.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture).ShouldBeGreaterThan(0, killed);
    }

    [Fact]
    public async Task The_audit_finds_lost_and_unfinished_jobs_and_a_rerun_without_a_lost_lease()
    {
        var services = new ServiceCollection();
        var store = new Conveyor.Storage.Memory.MemoryJobStore();
        services.AddConveyor(o => o.UseStore(store));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<JobClient>();
        var settings = new SoakSettings
        {
            Duration = TimeSpan.FromSeconds(1), Workers = 1, Concurrency = 1, JobsPerSecond = 1, KillEvery = TimeSpan.FromSeconds(1), Seed = 1, RunId = "audit",
        };
        var ledger = new SoakLedger();
        var options = new JobOptions { Queue = settings.Queue, MaxAttempts = 3 };
        var now = DateTimeOffset.UtcNow;

        // A job that never fails ran twice, the first attempt ending in a handler error rather than a lost lease.
        var rerun = (await client.EnqueueAsync(new JobRequest("conveyor.noop", "{}", options))).Id;
        ledger.Jobs[rerun] = SoakJobType.Short;
        var first = (await store.ClaimAsync(new ClaimJobsParams("n1", settings.Queue, ["conveyor.noop"], 1, now.AddSeconds(1), now.AddSeconds(60)))).Single();
        await store.CompleteManyAsync(new CompleteJobsParams("n1",
            [new JobCompletion(first.Id, 1, JobOutcome.Retry, Error: new JobError(1, now, "System.Exception", "boom"), RetryAt: now)], now.AddSeconds(2)));
        await store.PromoteDueJobsAsync(new PromoteDueJobsParams(now.AddSeconds(3)));
        var second = (await store.ClaimAsync(new ClaimJobsParams("n1", settings.Queue, ["conveyor.noop"], 1, now.AddSeconds(4), now.AddSeconds(60)))).Single();
        await store.CompleteManyAsync(new CompleteJobsParams("n1", [new JobCompletion(second.Id, 2, JobOutcome.Succeeded)], now.AddSeconds(5)));
        // One job is never finished, one acknowledged job is gone.
        var unfinished = (await client.EnqueueAsync(new JobRequest("conveyor.noop", "{}", options))).Id;
        ledger.Jobs[unfinished] = SoakJobType.Short;
        ledger.Jobs[987_654] = SoakJobType.Long;

        var audit = new SoakAudit(client, settings, ledger);
        await audit.CheckAsync(CancellationToken.None);

        audit.Broken.Keys.ShouldBe([SoakAudit.Lost, SoakAudit.Attempts], ignoreOrder: true);
        audit.Broken[SoakAudit.Lost].ShouldContain(d => d.Contains("job 987654 (Long) was enqueued and is gone", StringComparison.Ordinal));
        audit.Broken[SoakAudit.Lost].ShouldContain(d => d.Contains($"job {unfinished} is still available", StringComparison.Ordinal));
        audit.Broken[SoakAudit.Attempts].ShouldContain(d => d.Contains($"job {rerun} (Short) has 1 handler error(s): boom", StringComparison.Ordinal));
    }
}
