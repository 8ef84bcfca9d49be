using Conveyor.Dispatching;
using Conveyor.Storage;
using Conveyor.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Tests.Engine;

public sealed class CompleterTests
{
    [Fact]
    public async Task AFailingStoredHandler_DoesNotStopTheOutcomesThatFollow()
    {
        await using var store = new MemoryJobStore();
        var now = DateTimeOffset.UtcNow;
        var jobs = Enumerable.Range(0, 2).Select(_ => new NewJob { Kind = "k", Queue = "default", ArgsJson = "{}", MaxAttempts = 3, State = JobState.Available, RunAt = now }).ToArray();
        await store.InsertManyAsync(new InsertJobsParams(jobs, now));
        var claimed = await store.ClaimAsync(new ClaimJobsParams("node-1", "default", ["k"], 2, now, now.AddMinutes(5)));
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
}
