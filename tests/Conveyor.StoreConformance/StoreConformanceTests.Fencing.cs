using System.Globalization;
using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    /// <summary>
    /// Races of a rescue against completions in <see cref="RescueRacingCompletions_EndEachJobInExactlyOneConsistentState"/>:
    /// <c>CONVEYOR_FENCING_ITERATIONS</c> (default 2,000) jobs per store, in rounds of <see cref="RaceRoundJobs"/>.
    /// </summary>
    private static int FencingIterations =>
        int.TryParse(Environment.GetEnvironmentVariable("CONVEYOR_FENCING_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : 2_000;

    private const int RaceRoundJobs = 20;

    [Fact]
    public async Task CompleteMany_ReportsEveryCompletionTheFenceRefused_AndAppliesTheRest()
    {
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New(), TestJobs.New(), TestJobs.New(), TestJobs.New(), TestJobs.New());
        (await ClaimAsync(limit: 1, lease: TimeSpan.FromSeconds(10))).Single().Id.ShouldBe(ids[0]);
        (await ClaimAsync(limit: 4, lease: TimeSpan.FromSeconds(60))).Count.ShouldBe(4);
        (await ClaimAsync(node: Node2, limit: 1, lease: TimeSpan.FromSeconds(60))).Single().Id.ShouldBe(ids[5]);
        var rescued = ids[0];
        var cancelled = ids[1];
        var deleted = ids[2];
        var staleAttempt = ids[3];
        var applied = ids[4];
        var otherNodes = ids[5];
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(20)))).Single().Id.ShouldBe(rescued);
        await Store.CancelJobAsync(new JobIdParams(cancelled, TestTime.At(20)));
        await Store.CancelJobAsync(new JobIdParams(deleted, TestTime.At(20)));
        (await Store.DeleteJobAsync(new JobIdParams(deleted, TestTime.At(20)))).Status.ShouldBe(JobChangeStatus.Done);

        var refused = await Store.CompleteManyAsync(new CompleteJobsParams(Node1,
        [
            new JobCompletion(rescued, 1, JobOutcome.Succeeded),
            new JobCompletion(cancelled, 1, JobOutcome.Dead, Error: TestJobs.Error(1, TestTime.At(21))),
            new JobCompletion(deleted, 1, JobOutcome.Retry, Error: TestJobs.Error(1, TestTime.At(21))),
            new JobCompletion(staleAttempt, 2, JobOutcome.Released),
            new JobCompletion(applied, 1, JobOutcome.Succeeded, ResultJson: "{\"ok\":true}"),
            new JobCompletion(otherNodes, 1, JobOutcome.Succeeded),
            new JobCompletion(987_654_321, 1, JobOutcome.Succeeded),
        ], TestTime.At(21)));

        refused.ShouldBe([rescued, cancelled, deleted, staleAttempt, otherNodes, 987_654_321], ignoreOrder: true);
        (await GetAsync(applied)).State.ShouldBe(JobState.Succeeded);
        (await GetAsync(rescued)).State.ShouldBe(JobState.Available);
        (await GetAsync(cancelled)).State.ShouldBe(JobState.Cancelled);
        (await GetAsync(staleAttempt)).State.ShouldBe(JobState.Running);
        (await GetAsync(staleAttempt)).Attempt.ShouldBe(1);
        (await GetAsync(otherNodes)).State.ShouldBe(JobState.Running);
        (await Store.GetJobAsync(new GetJobParams(deleted))).ShouldBeNull();
        (await Store.CompleteManyAsync(new CompleteJobsParams(Node2, [new JobCompletion(otherNodes, 1, JobOutcome.Succeeded)], TestTime.At(22))))
            .ShouldBeEmpty();
    }

    [Theory]
    [InlineData(JobOutcome.Succeeded)]
    [InlineData(JobOutcome.Retry)]
    [InlineData(JobOutcome.Dead)]
    [InlineData(JobOutcome.Released)]
    public async Task LateOutcome_OfANodeWhoseLeaseWasTaken_IsRefused_AndChangesNothing(JobOutcome outcome)
    {
        var first = await InsertAndClaimAsync(lease: TimeSpan.FromSeconds(30));
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(31)))).Single().Id.ShouldBe(first.Id);
        var second = await ClaimOneAsync(first.Id, node: Node2, now: TestTime.At(32), lease: TimeSpan.FromSeconds(30));
        second.Attempt.ShouldBe(2);
        await Store.ReportProgressAsync(new ReportProgressParams(first.Id, Node2, 2, 50, "second attempt"));
        var before = await GetAsync(first.Id);

        // The first node wakes up: its heartbeat, its progress and its outcome all come too late.
        (await Store.ExtendLeasesAsync(new ExtendLeasesParams(Node1, [first.Id], TestTime.At(33), TestTime.At(300)))).ShouldBe([first.Id]);
        await Store.ReportProgressAsync(new ReportProgressParams(first.Id, Node1, 1, 99, "first attempt"));
        var refused = await Store.CompleteManyAsync(new CompleteJobsParams(Node1,
            [new JobCompletion(first.Id, 1, outcome, outcome == JobOutcome.Succeeded ? "{}" : null,
                outcome is JobOutcome.Retry or JobOutcome.Dead ? TestJobs.Error(1, TestTime.At(34)) : null)], TestTime.At(34)));

        refused.ShouldBe([first.Id]);
        var after = await GetAsync(first.Id);
        after.State.ShouldBe(JobState.Running);
        after.Node.ShouldBe(Node2);
        after.Attempt.ShouldBe(2);
        after.LeaseExpiresAt.ShouldBe(TestTime.At(62));
        after.Progress.ShouldBe(new JobProgress(50, "second attempt"));
        after.Errors.Count.ShouldBe(before.Errors.Count);
        after.Errors.Single().Type.ShouldBe(JobError.LeaseExpiredType);

        (await Store.CompleteManyAsync(new CompleteJobsParams(Node2, [new JobCompletion(first.Id, 2, JobOutcome.Succeeded)], TestTime.At(40))))
            .ShouldBeEmpty();
        (await GetAsync(first.Id)).State.ShouldBe(JobState.Succeeded);
    }

    [Fact]
    public async Task Rescue_AfterACompletion_LeavesTheFinishedJobAlone()
    {
        var claimed = await InsertAndClaimAsync(lease: TimeSpan.FromSeconds(30));
        (await Store.CompleteManyAsync(new CompleteJobsParams(Node1, [new JobCompletion(claimed.Id, 1, JobOutcome.Succeeded)], TestTime.At(40))))
            .ShouldBeEmpty();

        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(60)))).ShouldBeEmpty();

        var job = await GetAsync(claimed.Id);
        job.State.ShouldBe(JobState.Succeeded);
        job.Errors.ShouldBeEmpty();
    }

    /// <summary>
    /// A rescue (through a second instance: another process) and the completions of the same expired leases are sent at
    /// once, round after round. Each job ends in exactly one of two consistent states: the completion applied (its
    /// outcome's state, no lease error, not rescued) or the rescue won (available, one lease error, the completion
    /// reported refused). A finished job is never put back, a rescued job never finished.
    /// </summary>
    [Fact]
    public async Task RescueRacingCompletions_EndEachJobInExactlyOneConsistentState()
    {
        var rescuer = await OpenInstanceAsync();
        var rounds = (FencingIterations + RaceRoundJobs - 1) / RaceRoundJobs;
        var (completionsWon, rescuesWon) = (0, 0);
        for (var round = 0; round < rounds; round++)
        {
            var queue = "race-" + round.ToString(CultureInfo.InvariantCulture);
            var start = TestTime.At(round * 100);
            var inserted = await Store.InsertManyAsync(new InsertJobsParams(
                [.. Enumerable.Range(0, RaceRoundJobs).Select(_ => TestJobs.New(queue: queue, runAt: start))], start));
            var claimed = await ClaimAsync(limit: RaceRoundJobs, queue: queue, now: start, lease: TimeSpan.FromSeconds(30));
            claimed.Count.ShouldBe(RaceRoundJobs);
            var outcomes = claimed.Select((job, i) => (Job: job, Outcome: (JobOutcome)(i % 4))).ToArray();
            var finishedAt = start.AddSeconds(40);
            var completions = outcomes.Select(o => new JobCompletion(o.Job.Id, o.Job.Attempt, o.Outcome,
                o.Outcome == JobOutcome.Succeeded ? "{}" : null,
                o.Outcome is JobOutcome.Retry or JobOutcome.Dead ? TestJobs.Error(o.Job.Attempt, finishedAt) : null,
                o.Outcome == JobOutcome.Retry ? finishedAt.AddSeconds(5) : null)).ToArray();

            // Odd rounds send one batch, even rounds one call per job: both shapes race the rescue.
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var rescue = Task.Run(async () =>
            {
                await go.Task;
                return await rescuer.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(finishedAt));
            });
            Task<IReadOnlyList<long>>[] completing = round % 2 == 1
                ? [Task.Run(async () => { await go.Task; return await Store.CompleteManyAsync(new CompleteJobsParams(Node1, completions, finishedAt)); })]
                : [.. completions.Select(c => Task.Run(async () =>
                    {
                        await go.Task;
                        return await Store.CompleteManyAsync(new CompleteJobsParams(Node1, [c], finishedAt));
                    }))];
            go.SetResult();
            var rescued = (await rescue).Select(r => r.Id).ToHashSet();
            var refused = (await Task.WhenAll(completing)).SelectMany(r => r).ToHashSet();

            foreach (var (job, outcome) in outcomes)
            {
                var info = await GetAsync(job.Id);
                var where = $"round {round}, job {job.Id} ({outcome}): rescued {rescued.Contains(job.Id)}, refused {refused.Contains(job.Id)}, ended {info.State}";
                rescued.Contains(job.Id).ShouldBe(refused.Contains(job.Id), where);
                if (rescued.Contains(job.Id))
                {
                    rescuesWon++;
                    info.State.ShouldBe(JobState.Available, where);
                    info.Attempt.ShouldBe(1, where);
                    info.Node.ShouldBeNull(where);
                    info.Errors.Select(e => e.Type).ShouldBe([JobError.LeaseExpiredType], where);
                }
                else
                {
                    completionsWon++;
                    info.State.ShouldBe(outcome switch
                    {
                        JobOutcome.Succeeded => JobState.Succeeded,
                        JobOutcome.Retry => JobState.Retrying,
                        JobOutcome.Dead => JobState.Dead,
                        _ => JobState.Available,
                    }, where);
                    info.Attempt.ShouldBe(outcome == JobOutcome.Released ? 0 : 1, where);
                    info.Errors.ShouldNotContain(e => e.Type == JobError.LeaseExpiredType, where);
                }
            }
        }
        (completionsWon + rescuesWon).ShouldBe(rounds * RaceRoundJobs);
        // Nothing of any round is left running for a later rescue to find.
        (await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(rounds * 100 + 1000)))).ShouldBeEmpty();
    }
}
