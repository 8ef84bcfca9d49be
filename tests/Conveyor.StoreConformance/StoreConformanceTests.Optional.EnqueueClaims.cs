using System.Collections.Concurrent;
using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// Claims carried by enqueues (IEnqueueClaimer): the rules of the optional role, with offers of the suite's own. A store without the capability reports these tests as skipped.
public abstract partial class StoreConformanceTests
{
    private const string OfferNode = "offer-node";

    private static ClaimOffer NewOffer(string queue = TestJobs.Queue, int limit = 4) =>
        new(OfferNode, queue, TestJobs.AllKinds, limit, DefaultLease, new FixedTime(TestTime.T0));

    [SkippableFact]
    public async Task EnqueueClaims_AnOffer_IsTakenByTheNextEnqueueIntoItsQueue_AndItsClaimRunsInTheEnqueuesTransaction()
    {
        var claimer = RequireEnqueueClaimer();
        var offer = NewOffer();
        claimer.Offer(offer);

        var id = await InsertAsync(TestJobs.New());

        offer.IsPending.ShouldBeFalse();
        offer.Claimed.IsCompletedSuccessfully.ShouldBeTrue("the enqueue returns after the claim was delivered");
        var job = (await offer.Claimed).ShouldHaveSingleItem();
        job.Id.ShouldBe(id);
        job.Attempt.ShouldBe(1);
        var stored = await GetAsync(id);
        stored.State.ShouldBe(JobState.Running);
        stored.Node.ShouldBe(OfferNode);
        stored.LeaseExpiresAt.ShouldBe(TestTime.T0 + DefaultLease);
    }

    [SkippableFact]
    public async Task EnqueueClaims_TheClaimTakesJobsInClaimOrder_NotJustTheNewOne()
    {
        var claimer = RequireEnqueueClaimer();
        var older = await InsertAsync(TestJobs.New());
        var offer = NewOffer(limit: 1);
        claimer.Offer(offer);

        var newer = await InsertAsync(TestJobs.New());

        (await offer.Claimed).Select(j => j.Id).ShouldBe([older]);
        (await GetAsync(newer)).State.ShouldBe(JobState.Available);
    }

    [SkippableFact]
    public async Task EnqueueClaims_OnlyOffersOfTheQueue_AreTaken_AndAWithdrawnOffer_IsNot()
    {
        var claimer = RequireEnqueueClaimer();
        var otherQueue = NewOffer("other");
        var withdrawn = NewOffer();
        claimer.Offer(otherQueue);
        claimer.Offer(withdrawn);
        withdrawn.TryWithdraw().ShouldBeTrue();

        var id = await InsertAsync(TestJobs.New());

        otherQueue.IsPending.ShouldBeTrue();
        withdrawn.Claimed.IsCompleted.ShouldBeFalse();
        (await GetAsync(id)).State.ShouldBe(JobState.Available);
        otherQueue.TryWithdraw().ShouldBeTrue();
    }

    [SkippableFact]
    public async Task EnqueueClaims_AnOfferIsTakenOnce()
    {
        var claimer = RequireEnqueueClaimer();
        var offer = NewOffer(limit: 1);
        claimer.Offer(offer);

        await InsertAsync(TestJobs.New());
        var second = await InsertAsync(TestJobs.New());

        (await offer.Claimed).Count.ShouldBe(1);
        offer.TryWithdraw().ShouldBeFalse();
        (await GetAsync(second)).State.ShouldBe(JobState.Available);
    }

    [SkippableFact]
    public async Task EnqueueClaims_AQueueWhoseNewJobsTheClaimsTookAll_IsNotWoken_OneWithAJobLeft_Is()
    {
        var claimer = RequireEnqueueClaimer();
        var notifier = RequireNotifier();
        var woken = new ConcurrentQueue<string>();
        await using var subscription = await notifier.SubscribeAsync(woken.Enqueue);
        var first = NewOffer(limit: 1);
        claimer.Offer(first);

        // The offer took the one new job: any node woken now would claim nothing. This process's subscribers hear
        // of an enqueue before it returns (the second half checks that), so nothing heard by now means none.
        await InsertAsync(TestJobs.New());
        (await first.Claimed).ShouldHaveSingleItem();
        woken.ShouldBeEmpty();

        // Two new jobs, one taken: the other still needs a node.
        var second = NewOffer(limit: 1);
        claimer.Offer(second);
        await InsertManyAsync(TestJobs.New(), TestJobs.New());
        (await second.Claimed).ShouldHaveSingleItem();
        woken.ShouldContain(TestJobs.Queue);
    }

    [SkippableFact]
    public async Task EnqueueClaims_AClaimTheStoreCannotRun_NeitherFailsTheEnqueueNorWritesItTwice()
    {
        var claimer = RequireEnqueueClaimer();
        // A negative limit: no store can run that claim.
        var offer = NewOffer(limit: -1);
        claimer.Offer(offer);

        var id = await InsertAsync(TestJobs.New());

        (await offer.Claimed).ShouldBeEmpty();
        (await GetAsync(id)).State.ShouldBe(JobState.Available);
        (await Store.ListJobsAsync(new ListJobsParams())).Jobs.Count.ShouldBe(1);
    }

    [SkippableFact]
    public async Task EnqueueClaims_AFailedEnqueue_CompletesTheOfferItTookWithNothing()
    {
        var claimer = RequireEnqueueClaimer();
        var offer = NewOffer();
        claimer.Offer(offer);

        // The core validates args before they reach a store; a store still refuses what is not JSON.
        await Should.ThrowAsync<Exception>(() => InsertAsync(TestJobs.New(argsJson: "{not json")));

        offer.IsPending.ShouldBeFalse();
        (await offer.Claimed).ShouldBeEmpty();
        (await Store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();
    }

    /// <summary>A clock that always reads one time.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
