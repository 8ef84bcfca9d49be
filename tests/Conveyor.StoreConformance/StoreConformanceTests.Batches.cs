using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// Batches (IBatchStore): the callback is held until every child is final, and every path that makes a child final
// (or runs it again, or deletes it) counts it in the same transaction. A store without batches reports these as skipped.
public abstract partial class StoreConformanceTests
{
    private const string CallbackKind = TestJobs.OtherKind;

    /// <summary>The store's batches, or a skip.</summary>
    protected IBatchStore RequireBatches() =>
        Require(Store.Batches, "has no batches (IJobStore.Batches is null)");

    /// <summary>Inserts a batch of <paramref name="children"/> plain children (or the given ones) with a callback of <see cref="CallbackKind"/>.</summary>
    protected async Task<InsertedBatch> InsertBatchAsync(int children = 3, NewJob[]? jobs = null, DateTimeOffset? deadline = null, NewJob? callback = null)
    {
        jobs ??= [.. Enumerable.Range(0, children).Select(i => TestJobs.New(argsJson: $"{{\"n\":{i}}}"))];
        var batch = await RequireBatches().InsertBatchAsync(new InsertBatchParams(jobs, callback ?? TestJobs.New(kind: CallbackKind), deadline, TestTime.T0));
        batch.ChildIds.Count.ShouldBe(jobs.Length);
        return batch;
    }

    private async Task<BatchInfo> GetBatchAsync(long id)
    {
        var batch = await RequireBatches().GetBatchAsync(new GetBatchParams(id));
        batch.ShouldNotBeNull($"batch {id} should exist");
        return batch;
    }

    private async Task ShouldBeHeldAsync(InsertedBatch batch)
    {
        (await GetAsync(batch.CallbackJobId)).State.ShouldBe(JobState.Waiting);
        (await ClaimAsync(kinds: [CallbackKind], now: TestTime.At(100))).ShouldBeEmpty();
    }

    private async Task ShouldBeReleasedAsync(InsertedBatch batch)
    {
        (await GetAsync(batch.CallbackJobId)).State.ShouldBe(JobState.Available);
        (await GetBatchAsync(batch.BatchId)).Remaining.ShouldBe(0);
        (await ClaimAsync(kinds: [CallbackKind], now: TestTime.At(100))).Select(c => c.Id).ShouldBe([batch.CallbackJobId]);
    }

    [SkippableFact]
    public async Task Batch_StoresChildrenWithTheirBatchAndHoldsTheCallback()
    {
        var batch = await InsertBatchAsync(3);

        var info = await GetBatchAsync(batch.BatchId);
        info.Total.ShouldBe(3);
        info.Remaining.ShouldBe(3);
        info.Complete.ShouldBeFalse();
        info.CallbackJobId.ShouldBe(batch.CallbackJobId);
        info.CallbackKind.ShouldBe(CallbackKind);
        info.CallbackState.ShouldBe(JobState.Waiting);
        info.CreatedAt.ShouldBe(TestTime.T0);
        info.Counts.Keys.Order().ShouldBe(JobStates.All.Order());
        info.Counts[JobState.Available].ShouldBe(3);
        foreach (var id in batch.ChildIds)
            (await GetAsync(id)).BatchId.ShouldBe(batch.BatchId);
        (await GetAsync(batch.CallbackJobId)).BatchId.ShouldBeNull();
        await ShouldBeHeldAsync(batch);
        (await RequireBatches().GetBatchAsync(new GetBatchParams(batch.CallbackJobId, ByCallback: true)))!.Id.ShouldBe(batch.BatchId);
        (await RequireBatches().GetBatchAsync(new GetBatchParams(batch.BatchId + 1000))).ShouldBeNull();
    }

    [SkippableFact]
    public async Task Batch_IsPrunedWithItsCallback_AndNotBefore()
    {
        // Done: its child and its callback both succeeded.
        var done = await InsertBatchAsync(1);
        await CompleteAsync(await ClaimOneAsync(done.ChildIds[0]), JobOutcome.Succeeded, resultJson: "{}");
        var callback = (await ClaimAsync(kinds: [CallbackKind], now: TestTime.At(2))).Single();
        callback.Id.ShouldBe(done.CallbackJobId);
        await CompleteAsync(callback, JobOutcome.Succeeded, now: TestTime.At(3));
        // Released: its child succeeded, its callback waits to run. Open: its child is still available.
        var released = await InsertBatchAsync(1);
        await CompleteAsync(await ClaimOneAsync(released.ChildIds[0]), JobOutcome.Succeeded, resultJson: "{}");
        var open = await InsertBatchAsync(1);

        var cutoff = TestTime.At(1000);
        (await Store.PruneJobsAsync(new PruneJobsParams(cutoff, cutoff, cutoff))).ShouldBe(3); // two children, one callback

        (await RequireBatches().GetBatchAsync(new GetBatchParams(done.BatchId))).ShouldBeNull();
        (await RequireBatches().GetBatchAsync(new GetBatchParams(done.CallbackJobId, ByCallback: true))).ShouldBeNull();
        (await GetBatchAsync(released.BatchId)).Remaining.ShouldBe(0);
        (await GetAsync(released.CallbackJobId)).State.ShouldBe(JobState.Available);
        (await GetBatchAsync(open.BatchId)).Remaining.ShouldBe(1);
    }

    [SkippableFact]
    public async Task Batch_ReleasesTheCallbackWhenTheLastChildIsFinal_WhateverTheOutcome()
    {
        var batch = await InsertBatchAsync(jobs: [TestJobs.New(), TestJobs.New(), TestJobs.New(queue: "other")]);
        var first = await ClaimOneAsync(batch.ChildIds[0]);
        await CompleteAsync(first, JobOutcome.Succeeded, resultJson: "{\"words\":1}");
        await ShouldBeHeldAsync(batch);
        var second = await ClaimOneAsync(batch.ChildIds[1]);
        await CompleteAsync(second, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(2));
        await ShouldBeHeldAsync(batch);
        await Store.PromoteDueJobsAsync(new PromoteDueJobsParams(TestTime.At(2)));
        var again = await ClaimOneAsync(batch.ChildIds[1], now: TestTime.At(2));
        await CompleteAsync(again, JobOutcome.Dead, now: TestTime.At(3), error: TestJobs.Error(2, TestTime.At(3)));
        await ShouldBeHeldAsync(batch);

        (await Store.CancelJobAsync(new JobIdParams(batch.ChildIds[2], TestTime.At(4)))).Status.ShouldBe(JobChangeStatus.Done);

        var info = await GetBatchAsync(batch.BatchId);
        info.Complete.ShouldBeTrue();
        info.Counts[JobState.Succeeded].ShouldBe(1);
        info.Counts[JobState.Dead].ShouldBe(1);
        info.Counts[JobState.Cancelled].ShouldBe(1);
        await ShouldBeReleasedAsync(batch);
    }

    [SkippableFact]
    public async Task Batch_ARetriedChildCountsAgain_AndTheCallbackWaitsForIt()
    {
        var batch = await InsertBatchAsync(2);
        var first = await ClaimOneAsync(batch.ChildIds[0]);
        await CompleteAsync(first, JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));
        (await GetBatchAsync(batch.BatchId)).Remaining.ShouldBe(1);

        (await Store.RetryJobAsync(new JobIdParams(batch.ChildIds[0], TestTime.At(2)))).Status.ShouldBe(JobChangeStatus.Done);
        (await GetBatchAsync(batch.BatchId)).Remaining.ShouldBe(2);

        var second = await ClaimOneAsync(batch.ChildIds[1], now: TestTime.At(3));
        await CompleteAsync(second, JobOutcome.Succeeded, now: TestTime.At(4));
        await ShouldBeHeldAsync(batch);
        var retried = await ClaimOneAsync(batch.ChildIds[0], now: TestTime.At(5));
        await CompleteAsync(retried, JobOutcome.Succeeded, now: TestTime.At(6));
        await ShouldBeReleasedAsync(batch);
    }

    [SkippableFact]
    public async Task Batch_ACallbackCancelledAndRetriedWhileChildrenRun_WaitsForThemAgain()
    {
        var batch = await InsertBatchAsync(2);
        (await Store.CancelJobAsync(new JobIdParams(batch.CallbackJobId, TestTime.At(1)))).Status.ShouldBe(JobChangeStatus.Done);

        var retried = await Store.RetryJobAsync(new JobIdParams(batch.CallbackJobId, TestTime.At(2)));

        retried.Status.ShouldBe(JobChangeStatus.Done);
        retried.Job!.State.ShouldBe(JobState.Waiting, "its batch still has unfinished children");
        await ShouldBeHeldAsync(batch);
        await CompleteAsync(await ClaimOneAsync(batch.ChildIds[0], now: TestTime.At(3)), JobOutcome.Succeeded, now: TestTime.At(4));
        await ShouldBeHeldAsync(batch);
        await CompleteAsync(await ClaimOneAsync(batch.ChildIds[1], now: TestTime.At(5)), JobOutcome.Succeeded, now: TestTime.At(6));
        await ShouldBeReleasedAsync(batch);
    }

    [SkippableFact]
    public async Task Batch_ACallbackCancelledWhileChildrenRan_IsAvailableWhenRetriedAfterTheyEnded()
    {
        var batch = await InsertBatchAsync(1);
        (await Store.CancelJobAsync(new JobIdParams(batch.CallbackJobId, TestTime.At(1)))).Status.ShouldBe(JobChangeStatus.Done);
        await CompleteAsync(await ClaimOneAsync(batch.ChildIds[0], now: TestTime.At(2)), JobOutcome.Succeeded, now: TestTime.At(3));
        (await GetAsync(batch.CallbackJobId)).State.ShouldBe(JobState.Cancelled, "a cancelled callback is not released");

        (await Store.RetryJobAsync(new JobIdParams(batch.CallbackJobId, TestTime.At(4)))).Job!.State.ShouldBe(JobState.Available);
        (await ClaimAsync(kinds: [CallbackKind], now: TestTime.At(100))).Select(c => c.Id).ShouldBe([batch.CallbackJobId]);
    }

    [SkippableFact]
    public async Task Batch_ARetryOfTheCallbackRacingTheLastChild_LeavesItReleasedExactlyOnce()
    {
        RequireBatches();
        var other = await OpenInstanceAsync();
        for (var iteration = 0; iteration < 25; iteration++)
        {
            var batch = await InsertBatchAsync(1);
            (await Store.CancelJobAsync(new JobIdParams(batch.CallbackJobId, TestTime.At(1)))).Status.ShouldBe(JobChangeStatus.Done);
            var child = await ClaimOneAsync(batch.ChildIds[0], now: TestTime.At(2));

            await Task.WhenAll(
                Task.Run(() => Store.CompleteManyAsync(new CompleteJobsParams(Node1, [new JobCompletion(child.Id, child.Attempt, JobOutcome.Succeeded)], TestTime.At(3)))),
                Task.Run(() => other.RetryJobAsync(new JobIdParams(batch.CallbackJobId, TestTime.At(3)))));

            (await GetAsync(batch.CallbackJobId)).State.ShouldBe(JobState.Available, $"iteration {iteration}: whichever came first, the callback runs");
            var callback = await ClaimOneAsync(batch.CallbackJobId, now: TestTime.At(4));
            await CompleteAsync(callback, JobOutcome.Succeeded, now: TestTime.At(5));
        }
    }

    [SkippableFact]
    public async Task Batch_OnceComplete_IsClosed_AChildRetriedAfterwardsCountsNothing()
    {
        var batch = await InsertBatchAsync(1);
        await CompleteAsync(await ClaimOneAsync(batch.ChildIds[0]), JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));
        await ShouldBeReleasedAsync(batch);
        await Store.CompleteManyAsync(new CompleteJobsParams(Node1, [new JobCompletion(batch.CallbackJobId, 1, JobOutcome.Succeeded)], TestTime.At(101)));

        (await Store.RetryJobAsync(new JobIdParams(batch.ChildIds[0], TestTime.At(102)))).Status.ShouldBe(JobChangeStatus.Done);

        var info = await GetBatchAsync(batch.BatchId);
        info.Remaining.ShouldBe(0);
        info.Complete.ShouldBeTrue();
        info.Counts[JobState.Available].ShouldBe(1);
        await CompleteAsync(await ClaimOneAsync(batch.ChildIds[0], now: TestTime.At(103)), JobOutcome.Succeeded, now: TestTime.At(104));
        (await GetAsync(batch.CallbackJobId)).State.ShouldBe(JobState.Succeeded);
        (await GetBatchAsync(batch.BatchId)).Remaining.ShouldBe(0);
    }

    [SkippableFact]
    public async Task Batch_DeletingAnUnfinishedChildCountsIt_ButDeletingAFinishedOneDoesNot()
    {
        var batch = await InsertBatchAsync(3);
        var first = await ClaimOneAsync(batch.ChildIds[0]);
        await CompleteAsync(first, JobOutcome.Succeeded);
        (await Store.DeleteJobAsync(new JobIdParams(batch.ChildIds[0], TestTime.At(2)))).Status.ShouldBe(JobChangeStatus.Done);
        (await GetBatchAsync(batch.BatchId)).Remaining.ShouldBe(2);

        (await Store.DeleteJobAsync(new JobIdParams(batch.ChildIds[1], TestTime.At(2)))).Status.ShouldBe(JobChangeStatus.Done);
        await ShouldBeHeldAsync(batch);
        (await Store.DeleteJobAsync(new JobIdParams(batch.ChildIds[2], TestTime.At(2)))).Status.ShouldBe(JobChangeStatus.Done);

        var info = await GetBatchAsync(batch.BatchId);
        info.Total.ShouldBe(3);
        info.Counts.Values.Sum().ShouldBe(0);
        await ShouldBeReleasedAsync(batch);
    }

    [SkippableFact]
    public async Task Batch_AChildBuriedByTheLeaseRescueCounts()
    {
        var batch = await InsertBatchAsync(jobs: [TestJobs.New(maxAttempts: 1)]);
        await ClaimOneAsync(batch.ChildIds[0], lease: TimeSpan.FromSeconds(10));

        var rescued = await Store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(TestTime.At(11)));

        rescued.Single().State.ShouldBe(JobState.Dead);
        await ShouldBeReleasedAsync(batch);
    }

    [SkippableFact]
    public async Task Batch_AChildCancelledBecauseItsParentDiedCounts()
    {
        var parent = await InsertAsync(TestJobs.New(queue: "other"));
        var batch = await InsertBatchAsync(jobs: [TestJobs.New(after: parent)]);
        (await GetAsync(batch.ChildIds[0])).State.ShouldBe(JobState.Waiting);
        var running = await ClaimOneAsync(parent, queue: "other");

        await CompleteAsync(running, JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));

        (await GetAsync(batch.ChildIds[0])).State.ShouldBe(JobState.Cancelled);
        await ShouldBeReleasedAsync(batch);
    }

    [SkippableFact]
    public async Task Batch_WhoseChildrenAreFinalAtInsert_ReleasesTheCallbackAtOnce()
    {
        var parent = await InsertFinishedAsync(JobOutcome.Dead);

        var batch = await InsertBatchAsync(jobs: [TestJobs.New(after: parent), TestJobs.New(after: parent)]);

        (await GetAsync(batch.ChildIds[0])).State.ShouldBe(JobState.Cancelled);
        await ShouldBeReleasedAsync(batch);
    }

    [SkippableFact]
    public async Task Batch_AReleasedCallbackWithALaterRunAtWaitsForIt()
    {
        var batch = await InsertBatchAsync(1, callback: TestJobs.Scheduled(TestTime.At(500)) with { Kind = CallbackKind });
        await ShouldBeHeldAsync(batch);
        var child = await ClaimOneAsync(batch.ChildIds[0]);
        await CompleteAsync(child, JobOutcome.Succeeded);

        (await ClaimAsync(kinds: [CallbackKind], now: TestTime.At(100))).ShouldBeEmpty();
        (await ClaimAsync(kinds: [CallbackKind], now: TestTime.At(500))).Select(c => c.Id).ShouldBe([batch.CallbackJobId]);
    }

    [SkippableFact]
    public async Task Batch_ChildrenArePagedInIdOrder_WithStatesAndResults()
    {
        var batch = await InsertBatchAsync(5);
        for (var i = 0; i < 5; i++)
        {
            var claimed = await ClaimOneAsync(batch.ChildIds[i]);
            if (i == 3) await CompleteAsync(claimed, JobOutcome.Dead, error: TestJobs.Error(1, TestTime.At(1)));
            else await CompleteAsync(claimed, JobOutcome.Succeeded, resultJson: $"{{\"n\":{i}}}");
        }

        var seen = new List<BatchChild>();
        var pages = 0;
        long? after = 0;
        while (after is { } cursor)
        {
            var page = await RequireBatches().ListBatchChildrenAsync(new ListBatchChildrenParams(batch.BatchId, cursor, 2));
            page.Children.Count.ShouldBeLessThanOrEqualTo(2);
            seen.AddRange(page.Children);
            after = page.NextAfterId;
            pages++;
        }

        pages.ShouldBe(3);
        seen.Select(c => c.Id).ShouldBe(batch.ChildIds);
        seen[3].State.ShouldBe(JobState.Dead);
        seen[3].ResultJson.ShouldBeNull();
        seen[4].ResultJson.ShouldBeSameJson("{\"n\":4}");
        (await RequireBatches().ListBatchChildrenAsync(new ListBatchChildrenParams(batch.BatchId, 0, 5))).NextAfterId.ShouldBeNull();
    }

    [SkippableFact]
    public async Task Batch_Cancel_CancelsTheUnfinishedChildren_AndReleasesTheCallbackOnce()
    {
        var batch = await InsertBatchAsync(3);
        var done = await ClaimOneAsync(batch.ChildIds[0]);
        await CompleteAsync(done, JobOutcome.Succeeded);
        await ClaimOneAsync(batch.ChildIds[1]);
        var dependent = await InsertAsync(TestJobs.New(queue: "other", after: batch.ChildIds[2]));

        var result = await RequireBatches().CancelBatchAsync(new CancelBatchParams(batch.BatchId, TestTime.At(5), "cancelled"));

        result.Status.ShouldBe(JobChangeStatus.Done);
        result.Batch!.CancelledAt.ShouldBe(TestTime.At(5));
        result.Batch.CancelReason.ShouldBe("cancelled");
        result.Batch.Counts[JobState.Succeeded].ShouldBe(1);
        result.Batch.Counts[JobState.Cancelled].ShouldBe(2);
        result.Batch.CallbackState.ShouldBe(JobState.Available);
        var running = await GetAsync(batch.ChildIds[1]);
        running.State.ShouldBe(JobState.Cancelled);
        running.Node.ShouldBe(Node1);
        running.FinishedAt.ShouldBe(TestTime.At(5));
        (await GetAsync(dependent)).State.ShouldBe(JobState.Cancelled);
        (await Store.ExtendLeasesAsync(new ExtendLeasesParams(Node1, [batch.ChildIds[1]], TestTime.At(6), TestTime.At(36)))).ShouldBe([batch.ChildIds[1]]);
        await ShouldBeReleasedAsync(batch);

        var again = await RequireBatches().CancelBatchAsync(new CancelBatchParams(batch.BatchId, TestTime.At(6), "cancelled"));
        again.Status.ShouldBe(JobChangeStatus.NotAllowed);
        again.Batch!.CancelledAt.ShouldBe(TestTime.At(5));
        (await RequireBatches().CancelBatchAsync(new CancelBatchParams(batch.BatchId + 1000, TestTime.At(6), "cancelled"))).Status.ShouldBe(JobChangeStatus.NotFound);
    }

    [SkippableFact]
    public async Task Batch_CancelOfACompleteBatch_IsNotAllowedAndChangesNothing()
    {
        var batch = await InsertBatchAsync(1);
        await CompleteAsync(await ClaimOneAsync(batch.ChildIds[0]), JobOutcome.Succeeded);

        var result = await RequireBatches().CancelBatchAsync(new CancelBatchParams(batch.BatchId, TestTime.At(5), "cancelled"));

        result.Status.ShouldBe(JobChangeStatus.NotAllowed);
        result.Batch!.CancelledAt.ShouldBeNull();
        (await GetAsync(batch.ChildIds[0])).State.ShouldBe(JobState.Succeeded);
    }

    [SkippableFact]
    public async Task Batch_IsOverdueFromItsDeadlineUntilItIsCompleteOrCancelled()
    {
        var finished = await InsertBatchAsync(1, deadline: TestTime.At(60));
        await CompleteAsync(await ClaimOneAsync(finished.ChildIds[0]), JobOutcome.Succeeded);
        var withDeadline = await InsertBatchAsync(2, deadline: TestTime.At(60));
        await InsertBatchAsync(1);
        (await GetBatchAsync(withDeadline.BatchId)).Deadline.ShouldBe(TestTime.At(60));

        (await RequireBatches().ListOverdueBatchesAsync(new ListOverdueBatchesParams(TestTime.At(59)))).ShouldBeEmpty();
        (await RequireBatches().ListOverdueBatchesAsync(new ListOverdueBatchesParams(TestTime.At(60)))).ShouldBe([withDeadline.BatchId]);

        await RequireBatches().CancelBatchAsync(new CancelBatchParams(withDeadline.BatchId, TestTime.At(61), JobLifecycle.BatchDeadlineReason(TestTime.At(60))));
        (await RequireBatches().ListOverdueBatchesAsync(new ListOverdueBatchesParams(TestTime.At(62)))).ShouldBeEmpty();
        (await GetBatchAsync(withDeadline.BatchId)).CancelReason.ShouldBe("deadline 2030-01-01 00:01:00Z passed");
    }

    [SkippableFact]
    public async Task Batch_ConcurrentCompletionsOfTheLastChildren_ReleaseTheCallbackExactlyOnce()
    {
        RequireBatches();
        var other = await OpenInstanceAsync();
        for (var iteration = 0; iteration < 25; iteration++)
        {
            var batch = await InsertBatchAsync(4);
            var onNode1 = await ClaimAsync(Node1, limit: 2, kinds: [TestJobs.Kind]);
            var onNode2 = await ClaimAsync(Node2, limit: 2, kinds: [TestJobs.Kind], store: other);
            onNode1.Concat(onNode2).Select(c => c.Id).Order().ShouldBe(batch.ChildIds);

            await Task.WhenAll(
                Task.Run(() => Store.CompleteManyAsync(new CompleteJobsParams(Node1,
                    [.. onNode1.Select(c => new JobCompletion(c.Id, c.Attempt, JobOutcome.Succeeded))], TestTime.At(1)))),
                Task.Run(() => other.CompleteManyAsync(new CompleteJobsParams(Node2,
                    [.. onNode2.Select(c => new JobCompletion(c.Id, c.Attempt, JobOutcome.Succeeded))], TestTime.At(1)))));

            var info = await GetBatchAsync(batch.BatchId);
            info.Remaining.ShouldBe(0, $"iteration {iteration}");
            info.Counts[JobState.Succeeded].ShouldBe(4);
            (await GetAsync(batch.CallbackJobId)).State.ShouldBe(JobState.Available, $"iteration {iteration}");
            var callback = await ClaimOneAsync(batch.CallbackJobId, now: TestTime.At(2));
            await CompleteAsync(callback, JobOutcome.Succeeded, now: TestTime.At(3));
        }
    }

    [SkippableFact]
    public async Task Batch_ConcurrentCancelAndCompletions_ReleaseTheCallbackExactlyOnce()
    {
        RequireBatches();
        var other = await OpenInstanceAsync();
        for (var iteration = 0; iteration < 10; iteration++)
        {
            var batch = await InsertBatchAsync(6);
            var running = await ClaimAsync(Node1, limit: 3, kinds: [TestJobs.Kind], store: other);

            await Task.WhenAll(
                Task.Run(() => other.CompleteManyAsync(new CompleteJobsParams(Node1,
                    [.. running.Select(c => new JobCompletion(c.Id, c.Attempt, JobOutcome.Succeeded))], TestTime.At(1)))),
                Task.Run(() => RequireBatches().CancelBatchAsync(new CancelBatchParams(batch.BatchId, TestTime.At(1), "cancelled"))));

            var info = await GetBatchAsync(batch.BatchId);
            info.Remaining.ShouldBe(0, $"iteration {iteration}");
            (info.Counts[JobState.Succeeded] + info.Counts[JobState.Cancelled]).ShouldBe(6);
            info.Counts[JobState.Cancelled].ShouldBeGreaterThanOrEqualTo(3);
            (await GetAsync(batch.CallbackJobId)).State.ShouldBe(JobState.Available, $"iteration {iteration}");
            await CompleteAsync(await ClaimOneAsync(batch.CallbackJobId, now: TestTime.At(2)), JobOutcome.Succeeded, now: TestTime.At(3));
        }
    }

    [SkippableFact]
    public async Task Batch_TheReleaseOfTheCallback_WakesItsQueue()
    {
        RequireBatches();
        var notifier = RequireNotifier();
        Skip.IfNot(Store.Capabilities.SupportsNotifications,
            $"the {Store.Name} store releases the callback in a trigger its notifier cannot hear: nodes find it at their next poll");
        var batch = await InsertBatchAsync(1, callback: TestJobs.New(kind: CallbackKind, queue: "callbacks"));
        var claimed = await ClaimOneAsync(batch.ChildIds[0]);
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await notifier.SubscribeAsync(queue =>
        {
            if (queue == "callbacks") signalled.TrySetResult();
        });

        await CompleteAsync(claimed, JobOutcome.Succeeded);

        await signalled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
