using System.Collections.Concurrent;
using Conveyor.Storage;

namespace Conveyor.Sqlite.Tests;

public sealed class NotifierTests
{
    [Fact]
    public async Task Capabilities_OfferInProcessWakeUpsOnly()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();

        store.Name.ShouldBe("sqlite");
        store.Capabilities.ShouldBe(new StoreCapabilities(SupportsNotifications: false, SupportsTransactionalEnqueue: true, SupportsMultipleProcesses: true));
        store.Notifier.ShouldNotBeNull();
    }

    [Fact]
    public async Task Insert_OfAvailableJobs_WakesSubscribersWithTheQueue()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var heard = new ConcurrentQueue<string>();
        await using var subscription = await store.Notifier!.SubscribeAsync(heard.Enqueue);

        await store.InsertManyAsync(Jobs.Insert(Jobs.New(queue: "mail"), Jobs.New(queue: "mail"), Jobs.New(queue: "later", state: JobState.Scheduled)));

        heard.ShouldBe(["mail"]);
    }

    [Fact]
    public async Task Promotion_WakesSubscribers()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.InsertManyAsync(Jobs.Insert(Jobs.New(queue: "later", state: JobState.Scheduled)));
        var heard = new ConcurrentQueue<string>();
        await using var subscription = await store.Notifier!.SubscribeAsync(heard.Enqueue);

        (await store.PromoteDueJobsAsync(new PromoteDueJobsParams(Jobs.T0))).ShouldBe(1);

        heard.ShouldBe(["later"]);
    }

    [Fact]
    public async Task DisposedSubscription_HearsNothingMore()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var heard = new ConcurrentQueue<string>();
        var subscription = await store.Notifier!.SubscribeAsync(heard.Enqueue);
        await subscription.DisposeAsync();

        await store.InsertManyAsync(Jobs.Insert(Jobs.New()));

        heard.ShouldBeEmpty();
    }

    [Fact]
    public async Task AThrowingSubscriber_DoesNotBreakTheStore()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await using var bad = await store.Notifier!.SubscribeAsync(_ => throw new InvalidOperationException("subscriber bug"));
        var heard = new ConcurrentQueue<string>();
        await using var good = await store.Notifier!.SubscribeAsync(heard.Enqueue);

        await store.InsertManyAsync(Jobs.Insert(Jobs.New()));
        await store.InsertManyAsync(Jobs.Insert(Jobs.New()));

        heard.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AFailedInsert_WakesNobody()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var heard = new ConcurrentQueue<string>();
        await using var subscription = await store.Notifier!.SubscribeAsync(heard.Enqueue);

        await Should.ThrowAsync<JobNotFoundException>(() => store.InsertManyAsync(Jobs.Insert(Jobs.New(), Jobs.New(after: 99))));

        heard.ShouldBeEmpty();
    }
}
