using System.Collections.Concurrent;
using Conveyor.Storage;
using Conveyor.Storage.Memory;

namespace Conveyor.Tests.Storage;

/// <summary>
/// The memory store signals a queue whenever one of its jobs becomes claimable, synchronously on the
/// calling thread, so these tests can assert right after each store call.
/// </summary>
public sealed class MemoryJobNotifierTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Kinds = ["k"];

    private readonly MemoryJobStore _store = new();
    private readonly ConcurrentQueue<string> _signals = new();
    private IAsyncDisposable? _subscription;

    public async Task InitializeAsync() =>
        _subscription = await _store.Notifier!.SubscribeAsync(_signals.Enqueue);

    public async Task DisposeAsync()
    {
        if (_subscription is not null) await _subscription.DisposeAsync();
        await _store.DisposeAsync();
    }

    private static NewJob Job(string queue = "q", JobState state = JobState.Available, DateTimeOffset? runAt = null, long? after = null, string? orderingKey = null) => new()
    {
        Kind = "k", Queue = queue, ArgsJson = "{}", MaxAttempts = 3, State = state, RunAt = runAt ?? T0, AfterJobId = after, OrderingKey = orderingKey,
    };

    private async Task<long> Insert(NewJob job) => (await _store.InsertManyAsync(new InsertJobsParams([job], T0)))[0].Id;

    private Task<ClaimedJobs> Claim(DateTimeOffset? now = null, string queue = "q") =>
        _store.ClaimAsync(new ClaimJobsParams("n", queue, Kinds, 10, now ?? T0, (now ?? T0).AddSeconds(30)));

    private Task Complete(ClaimedJob job, JobOutcome outcome, DateTimeOffset? retryAt = null) =>
        _store.CompleteManyAsync(new CompleteJobsParams("n", [new JobCompletion(job.Id, job.Attempt, outcome, RetryAt: retryAt)], T0.AddSeconds(1)));

    private string[] TakeSignals()
    {
        var taken = new List<string>();
        while (_signals.TryDequeue(out var queue)) taken.Add(queue);
        return [.. taken];
    }

    [Fact]
    public void MemoryStore_OffersInProcessNotificationsOnly()
    {
        _store.Name.ShouldBe("memory");
        _store.Capabilities.ShouldBe(new StoreCapabilities(SupportsNotifications: true, SupportsTransactionalEnqueue: false, SupportsMultipleProcesses: false));
        _store.Notifier.ShouldNotBeNull();
    }

    [Fact]
    public async Task Insert_SignalsEachQueueOnceForAvailableJobs_NotForScheduledOnes()
    {
        await _store.InsertManyAsync(new InsertJobsParams([Job("a"), Job("a"), Job("b"), Job("c", JobState.Scheduled, T0.AddMinutes(1))], T0));

        TakeSignals().ShouldBe(["a", "b"], ignoreOrder: true);
    }

    [Fact]
    public async Task Promotion_SignalsTheQueue()
    {
        await Insert(Job(state: JobState.Scheduled, runAt: T0.AddSeconds(5)));
        TakeSignals().ShouldBeEmpty();

        await _store.PromoteDueJobsAsync(new PromoteDueJobsParams(T0.AddSeconds(5)));

        TakeSignals().ShouldBe(["q"]);
    }

    [Fact]
    public async Task ClaimsAndPlainCompletions_DoNotSignal()
    {
        await Insert(Job());
        TakeSignals();

        var claimed = await Claim();
        await Complete(claimed[0], JobOutcome.Succeeded);

        TakeSignals().ShouldBeEmpty();
    }

    [Fact]
    public async Task Release_Rescue_AndRetry_SignalTheQueue()
    {
        await Insert(Job());
        var claimed = await Claim();
        TakeSignals();

        await Complete(claimed[0], JobOutcome.Released);
        TakeSignals().ShouldBe(["q"]);

        await Claim(T0.AddSeconds(2));
        await _store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(T0.AddMinutes(5)));
        TakeSignals().ShouldBe(["q"]);

        var again = await Claim(T0.AddMinutes(5));
        await _store.CancelJobAsync(new JobIdParams(again[0].Id, T0.AddMinutes(6)));
        TakeSignals().ShouldBeEmpty();
        await _store.RetryJobAsync(new JobIdParams(again[0].Id, T0.AddMinutes(7)));
        TakeSignals().ShouldBe(["q"]);
    }

    [Fact]
    public async Task ADependencyThatSucceeds_SignalsTheQueueOfTheWaitingJob()
    {
        var parent = await Insert(Job("parent"));
        await Insert(Job("child", after: parent));
        TakeSignals().ShouldBe(["parent"]);

        var claimed = await Claim(queue: "parent");
        await Complete(claimed[0], JobOutcome.Succeeded);

        TakeSignals().ShouldBe(["child"]);
    }

    [Fact]
    public async Task TheEndOfAnOrderedJob_SignalsTheQueueOfTheNextJobOfItsKey()
    {
        await Insert(Job("first", orderingKey: "o"));
        await Insert(Job("second", orderingKey: "o"));
        TakeSignals().ShouldBe(["first"]);

        var claimed = await Claim(queue: "first");
        await Complete(claimed[0], JobOutcome.Succeeded);

        TakeSignals().ShouldBe(["second"]);
    }

    [Fact]
    public async Task ResumingAQueueWithClaimableJobs_SignalsIt()
    {
        await _store.SetQueuePausedAsync(new SetQueuePausedParams("q", true));
        await Insert(Job());
        TakeSignals();

        await _store.SetQueuePausedAsync(new SetQueuePausedParams("q", false));

        TakeSignals().ShouldBe(["q"]);
    }

    [Fact]
    public async Task DisposingTheSubscription_StopsDelivery()
    {
        await _subscription!.DisposeAsync();

        await Insert(Job());

        TakeSignals().ShouldBeEmpty();
    }

    [Fact]
    public async Task AFailingSubscriber_NeitherFailsTheStoreCallNorStopsOtherSubscribers()
    {
        await using var failing = await _store.Notifier!.SubscribeAsync(_ => throw new InvalidOperationException("listener bug"));

        await Insert(Job());

        TakeSignals().ShouldBe(["q"]);
    }
}
