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
        // The sender sends what is pending in order, a later queue in the same transaction or after: once its
        // wake-up and a burst one arrived, every burst one has.
        await sender.InsertAsync(Jobs.New("sentinel"));
        await UntilReceivedAsync(received, "sentinel");
        await UntilReceivedAsync(received, "burst");

        received.Where(q => q != "sentinel").ShouldAllBe(q => q == "burst");
        received.Count(q => q == "burst").ShouldBeInRange(1, 10);
    }

    [Fact]
    public async Task Subscription_InTheSameProcess_IsWokenAtOnce_AndOnlyOnce()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var other = schema.OpenStore();
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var seenElsewhere = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var subscription = await store.Notifier!.SubscribeAsync(received.Enqueue);
        await using var otherSubscription = await other.Notifier!.SubscribeAsync(seenElsewhere.Enqueue);

        await store.InsertAsync(Jobs.New("local"));
        await UntilReceivedAsync(received, "local");
        // Once another store got the NOTIFY, a later one of that store reaches this listener after it.
        await UntilReceivedAsync(seenElsewhere, "local");
        await other.InsertAsync(Jobs.New("sentinel"));
        await UntilReceivedAsync(received, "sentinel");

        // The store's own NOTIFY comes back through LISTEN too; it is recognised and not delivered twice.
        received.Count(q => q == "local").ShouldBe(1);
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
        var remoteQueues = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var localSubscription = await pollOnly.Notifier!.SubscribeAsync(_ => local.TrySetResult());
        await using var remoteSubscription = await listening.Notifier!.SubscribeAsync(remoteQueues.Enqueue);

        await pollOnly.InsertAsync(Jobs.New("quiet"));

        await local.Task.WaitAsync(Patience);
        pollOnly.JobNotifier.IsListening.ShouldBeFalse();
        // A NOTIFY the poll-only store sent for its insert would reach the listener before a later store's.
        var sentinel = schema.OpenStore();
        await sentinel.InsertAsync(Jobs.New("sentinel"));
        await UntilReceivedAsync(remoteQueues, "sentinel");
        remoteQueues.ShouldBe(["sentinel"]);
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

    /// <summary>Waits (at most <see cref="Patience"/>) until <paramref name="queue"/> was delivered; throws otherwise.</summary>
    private static async Task UntilReceivedAsync(System.Collections.Concurrent.ConcurrentQueue<string> received, string queue)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!received.Contains(queue))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no wake-up for {queue} within {Patience.TotalSeconds} s");
            await Task.Delay(10);
        }
    }
}
