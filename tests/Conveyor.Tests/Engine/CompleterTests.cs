using System.Diagnostics.Metrics;
using Conveyor.Dispatching;
using Conveyor.Observability;
using Conveyor.Storage;
using Conveyor.Storage.Memory;
using Conveyor.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Tests.Engine;

public sealed class CompleterTests
{
    /// <summary>Inserts two jobs and claims both for node-1 with a lease until <paramref name="leaseUntil"/>.</summary>
    private static async Task<IReadOnlyList<ClaimedJob>> ClaimTwoAsync(MemoryJobStore store, DateTimeOffset now, DateTimeOffset leaseUntil)
    {
        var jobs = Enumerable.Range(0, 2).Select(_ => new NewJob { Kind = "k", Queue = "default", ArgsJson = "{}", MaxAttempts = 3, State = JobState.Available, RunAt = now }).ToArray();
        await store.InsertManyAsync(new InsertJobsParams(jobs, now));
        return await store.ClaimAsync(new ClaimJobsParams("node-1", "default", ["k"], 2, now, leaseUntil));
    }

    [Fact]
    public async Task AFailingStoredHandler_DoesNotStopTheOutcomesThatFollow()
    {
        await using var store = new MemoryJobStore();
        var now = DateTimeOffset.UtcNow;
        var claimed = await ClaimTwoAsync(store, now, now.AddMinutes(5));
        var completer = new Completer(store, "node-1", batchSize: 1, TimeProvider.System, NullLogger.Instance);
        var batches = 0;
        completer.Stored += _ =>
        {
            if (Interlocked.Increment(ref batches) == 1) throw new InvalidOperationException("a bug after the first batch");
        };
        var run = completer.RunAsync(CancellationToken.None);

        foreach (var job in claimed)
            completer.Add(new JobCompletion(job.Id, job.Attempt, JobOutcome.Succeeded), null!);
        completer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        batches.ShouldBe(2);
        foreach (var job in claimed)
            (await store.GetJobAsync(new GetJobParams(job.Id)))!.State.ShouldBe(JobState.Succeeded);
    }

    [Fact]
    public async Task AnOutcomeTheStoreRefuses_IsLoggedWithJobAttemptAndNode_AndCounted_AndTheOthersApply()
    {
        await using var store = new MemoryJobStore();
        var now = DateTimeOffset.UtcNow;
        var claimed = await ClaimTwoAsync(store, now, now.AddSeconds(30));
        // The first job's lease ran out and the leader put it back while its handler was still running.
        var lost = claimed[0];
        await store.ExtendLeasesAsync(new ExtendLeasesParams("node-1", [claimed[1].Id], now, now.AddMinutes(5)));
        (await store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(now.AddSeconds(31)))).Single().Id.ShouldBe(lost.Id);

        using var metrics = new ConveyorMetrics();
        long refusedCount = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "conveyor.jobs.completions_refused") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref refusedCount, value));
        listener.Start();
        var logger = new RecordingLogger();
        var completer = new Completer(store, "node-1", batchSize: 10, TimeProvider.System, logger, metrics);
        var run = completer.RunAsync(CancellationToken.None);

        foreach (var job in claimed)
            completer.Add(new JobCompletion(job.Id, job.Attempt, JobOutcome.Succeeded), null!);
        completer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        Interlocked.Read(ref refusedCount).ShouldBe(1);
        var warning = logger.Entries.Single(e => e.Level == LogLevel.Warning);
        warning.Values["JobId"].ShouldBe(lost.Id);
        warning.Values["Attempt"].ShouldBe(1);
        warning.Values["Node"].ShouldBe("node-1");
        warning.Message.ShouldContain("refused");
        var job0 = await store.GetJobAsync(new GetJobParams(lost.Id));
        job0!.State.ShouldBe(JobState.Available);
        (await store.GetJobAsync(new GetJobParams(claimed[1].Id)))!.State.ShouldBe(JobState.Succeeded);
    }
}
