using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres.Tests;

public sealed class NotifierTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Notification_ReachesAnotherStoreInstance()
    {
        await using var schema = new TempSchema();
        var sender = schema.OpenStore();
        var receiver = schema.OpenStore();
        await sender.MigrateAsync();
        var woken = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await receiver.Notifier!.SubscribeAsync(q => woken.TrySetResult(q));

        await sender.InsertAsync(Jobs.New("emails"));

        (await woken.Task.WaitAsync(Patience)).ShouldBe("emails");
    }

    [Fact]
    public async Task Notifications_AreCoalesced_OneNotifyPerQueueForABurst()
    {
        await using var schema = new TempSchema();
        var sender = schema.OpenStore(o => o with { NotifyInterval = TimeSpan.FromMilliseconds(200) });
        var receiver = schema.OpenStore();
        await sender.MigrateAsync();
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var subscription = await receiver.Notifier!.SubscribeAsync(received.Enqueue);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => sender.InsertAsync(Jobs.New("burst"))));
        var deadline = DateTime.UtcNow + Patience;
        while (received.IsEmpty && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        await Task.Delay(600);

        received.ShouldAllBe(q => q == "burst");
        received.Count.ShouldBeInRange(1, 10);
    }

    [Fact]
    public async Task Subscription_InTheSameProcess_IsWokenAtOnce_AndOnlyOnce()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var count = 0;
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await store.Notifier!.SubscribeAsync(_ => { Interlocked.Increment(ref count); woken.TrySetResult(); });

        await store.InsertAsync(Jobs.New("local"));
        await woken.Task.WaitAsync(Patience);
        await Task.Delay(500);

        // The store's own NOTIFY comes back through LISTEN too; it is recognised and not delivered twice.
        Volatile.Read(ref count).ShouldBe(1);
    }

    [Fact]
    public async Task PollOnly_NeitherListensNorNotifies_ButWakesItsOwnProcess()
    {
        await using var schema = new TempSchema();
        var pollOnly = schema.OpenStore(o => o with { NotificationMode = PostgresNotificationMode.PollOnly });
        var listening = schema.OpenStore();
        await pollOnly.MigrateAsync();
        pollOnly.Capabilities.SupportsNotifications.ShouldBeFalse();
        var local = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remote = 0;
        await using var localSubscription = await pollOnly.Notifier!.SubscribeAsync(_ => local.TrySetResult());
        await using var remoteSubscription = await listening.Notifier!.SubscribeAsync(_ => Interlocked.Increment(ref remote));

        await pollOnly.InsertAsync(Jobs.New("quiet"));

        await local.Task.WaitAsync(Patience);
        pollOnly.JobNotifier.IsListening.ShouldBeFalse();
        await Task.Delay(1000);
        Volatile.Read(ref remote).ShouldBe(0);
        var listeners = await schema.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN \"{schema.Name}.jobs\"'");
        listeners.ShouldBe(1); // the listening store's session only
    }

    [Fact]
    public async Task Listener_SurvivesAServerRestart()
    {
        await using var server = await PrivateServer.StartAsync();
        await using var schema = new TempSchema(server.ConnectionString);
        var sender = schema.OpenStore(o => o with { ListenReconnectMaxDelay = TimeSpan.FromMilliseconds(500) });
        var receiver = schema.OpenStore(o => o with { ListenReconnectMaxDelay = TimeSpan.FromMilliseconds(500) });
        await sender.MigrateAsync();
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var subscription = await receiver.Notifier!.SubscribeAsync(received.Enqueue);
        receiver.JobNotifier.IsListening.ShouldBeTrue();

        await server.RestartAsync();

        // The pools hold broken connections now; every store call may fail once until they are replaced.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var round = 0;
        while (!received.Contains("after-restart") && DateTime.UtcNow < deadline)
        {
            try
            {
                await sender.InsertAsync(Jobs.New("after-restart"));
            }
            catch (NpgsqlException)
            {
            }
            await Task.Delay(Math.Min(100 * ++round, 1000));
        }
        received.ShouldContain("after-restart");
        receiver.JobNotifier.IsListening.ShouldBeTrue();
    }

    [Fact]
    public async Task DisposingTheLastSubscription_StopsListening()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();

        var subscription = await store.Notifier!.SubscribeAsync(_ => { });
        store.JobNotifier.IsListening.ShouldBeTrue();
        await subscription.DisposeAsync();

        var deadline = DateTime.UtcNow + Patience;
        long sessions;
        do
        {
            sessions = await schema.ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN \"{schema.Name}.jobs\"'");
            if (sessions == 0) break;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        sessions.ShouldBe(0);
    }
}
