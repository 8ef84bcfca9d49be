using System.Collections.Concurrent;
using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// Claims carried by enqueues (IEnqueueClaimer): the rules of the optional capability, with a rider of the suite's
// own. A store without the capability reports these tests as skipped.
public abstract partial class StoreConformanceTests
{
    [SkippableFact]
    public async Task EnqueueClaims_WhenOffered_TheRidersClaimRunsInTheEnqueuesTransaction()
    {
        var claimer = RequireEnqueueClaimer();
        var rider = new TestRider(TestJobs.Queue, limit: 4);
        using var registration = claimer.AddRider(rider);

        var id = await InsertAsync(TestJobs.New());

        rider.Reserved.ShouldBe(1);
        rider.Released.ShouldBe(0);
        var job = rider.Claims.ShouldHaveSingleItem().ShouldHaveSingleItem();
        job.Id.ShouldBe(id);
        job.Attempt.ShouldBe(1);
        var stored = await GetAsync(id);
        stored.State.ShouldBe(JobState.Running);
        stored.Node.ShouldBe(TestRider.Node);
    }

    [SkippableFact]
    public async Task EnqueueClaims_WhenOffered_TheClaimTakesJobsInClaimOrder_NotJustTheNewOne()
    {
        var claimer = RequireEnqueueClaimer();
        var older = await InsertAsync(TestJobs.New());
        var rider = new TestRider(TestJobs.Queue, limit: 1);
        using var registration = claimer.AddRider(rider);

        var newer = await InsertAsync(TestJobs.New());

        rider.Claims.ShouldHaveSingleItem().ShouldHaveSingleItem().Id.ShouldBe(older);
        (await GetAsync(newer)).State.ShouldBe(JobState.Available);
    }

    [SkippableFact]
    public async Task EnqueueClaims_WhenOffered_OnlyRidersOfTheQueue_AreAsked_AndOneThatDeclinesChangesNothing()
    {
        var claimer = RequireEnqueueClaimer();
        var otherQueue = new TestRider("other", limit: 4);
        var busy = new TestRider(TestJobs.Queue, limit: 4) { Idle = false };
        using var first = claimer.AddRider(otherQueue);
        using var second = claimer.AddRider(busy);

        var id = await InsertAsync(TestJobs.New());

        otherQueue.Asked.ShouldBe(0);
        busy.Asked.ShouldBe(1);
        busy.Reserved.ShouldBe(0);
        (await GetAsync(id)).State.ShouldBe(JobState.Available);
    }

    [SkippableFact]
    public async Task EnqueueClaims_WhenOffered_AQueueWhoseNewJobsTheClaimsTookAll_IsNotWoken_OneWithAJobLeft_Is()
    {
        var claimer = RequireEnqueueClaimer();
        var notifier = RequireNotifier();
        var woken = new ConcurrentQueue<string>();
        await using var subscription = await notifier.SubscribeAsync(woken.Enqueue);
        var rider = new TestRider(TestJobs.Queue, limit: 1);
        using var registration = claimer.AddRider(rider);

        // The rider took the one new job: any node woken now would claim nothing. This process's subscribers hear
        // of an enqueue before it returns (the second half checks that), so nothing heard by now means none.
        await InsertAsync(TestJobs.New());
        rider.Claims.ShouldHaveSingleItem().ShouldHaveSingleItem();
        woken.ShouldBeEmpty();

        // Two new jobs, one taken: the other still needs a node.
        await InsertManyAsync(TestJobs.New(), TestJobs.New());
        rider.Claims.Count.ShouldBe(2);
        woken.ShouldContain(TestJobs.Queue);
    }

    [SkippableFact]
    public async Task EnqueueClaims_WhenOffered_AClaimTheStoreCannotRun_NeitherFailsTheEnqueueNorWritesItTwice()
    {
        var claimer = RequireEnqueueClaimer();
        // A negative limit: no store can run that claim.
        var rider = new TestRider(TestJobs.Queue, limit: -1);
        using var registration = claimer.AddRider(rider);

        var id = await InsertAsync(TestJobs.New());

        rider.Reserved.ShouldBe(1);
        rider.Released.ShouldBe(1);
        rider.Claims.ShouldBeEmpty();
        (await GetAsync(id)).State.ShouldBe(JobState.Available);
        (await Store.ListJobsAsync(new ListJobsParams())).Jobs.Count.ShouldBe(1);
    }

    [SkippableFact]
    public async Task EnqueueClaims_WhenOffered_AFailedEnqueue_ReleasesEveryReservation()
    {
        var claimer = RequireEnqueueClaimer();
        var rider = new TestRider(TestJobs.Queue, limit: 4);
        using var registration = claimer.AddRider(rider);

        // The core validates args before they reach a store; a store still refuses what is not JSON.
        await Should.ThrowAsync<Exception>(() => InsertAsync(TestJobs.New(argsJson: "{not json")));

        rider.Reserved.ShouldBeGreaterThan(0);
        rider.Released.ShouldBe(rider.Reserved);
        rider.Claims.ShouldBeEmpty();
        (await Store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task EnqueueClaims_WhenOffered_ARemovedRider_IsNotAsked()
    {
        var claimer = RequireEnqueueClaimer();
        var rider = new TestRider(TestJobs.Queue, limit: 4);
        claimer.AddRider(rider).Dispose();

        await InsertAsync(TestJobs.New());

        rider.Asked.ShouldBe(0);
    }

    /// <summary>A rider of the suite's own: reserves <c>limit</c> slots while <see cref="Idle"/>, and records what the store did.</summary>
    private sealed class TestRider(string queue, int limit) : IClaimRider
    {
        public const string Node = "rider-node";
        private int _asked, _reserved, _released;

        public bool Idle { get; init; } = true;
        public ConcurrentQueue<IReadOnlyList<ClaimedJob>> Claims { get; } = new();
        public int Asked => Volatile.Read(ref _asked);
        public int Reserved => Volatile.Read(ref _reserved);
        public int Released => Volatile.Read(ref _released);
        public string Queue { get; } = queue;

        public ClaimJobsParams? TryReserve()
        {
            Interlocked.Increment(ref _asked);
            if (!Idle) return null;
            Interlocked.Increment(ref _reserved);
            return new ClaimJobsParams(Node, Queue, TestJobs.AllKinds, limit, TestTime.T0, TestTime.T0 + DefaultLease);
        }

        public void Claimed(ClaimJobsParams reservation, IReadOnlyList<ClaimedJob> jobs) => Claims.Enqueue(jobs);

        void IClaimRider.Released(ClaimJobsParams reservation) => Interlocked.Increment(ref _released);
    }
}
