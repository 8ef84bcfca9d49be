using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Support;

/// <summary>A Conveyor setup in a private service provider: a store, a client, a monitor and (optionally) a node with fast timings.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private TestNode(ServiceProvider provider)
    {
        _provider = provider;
    }

    public JobClient Client => _provider.GetRequiredService<JobClient>();
    public JobMonitor Monitor => _provider.GetRequiredService<JobMonitor>();
    public JobServer Server => _provider.GetRequiredService<JobServer>();
    public IJobStore Store => _provider.GetRequiredService<IJobStore>();
    public IServiceProvider Services => _provider;

    public static TestNode Create(Action<ConveyorBuilder> handlers, Action<WorkerOptionsBuilder>? worker = null, IJobStore? store = null,
        Action<IServiceCollection>? services = null, Action<ConveyorOptions>? conveyor = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        var builder = collection.AddConveyor(o =>
        {
            if (store is null) o.UseInMemory(); else o.UseStore(_ => store);
            conveyor?.Invoke(o);
        });
        handlers(builder);
        builder.AddWorker(w =>
        {
            w.PollInterval = TimeSpan.FromMilliseconds(50);
            w.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            w.LeaseDuration = TimeSpan.FromSeconds(5);
            w.MaintenanceInterval = TimeSpan.FromMilliseconds(100);
            w.LeaderLeaseDuration = TimeSpan.FromSeconds(2);
            w.CancelGrace = TimeSpan.FromMilliseconds(300);
            w.ShutdownTimeout = TimeSpan.FromSeconds(5);
            w.Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100), Jitter = 0 };
            worker?.Invoke(w);
        });
        return new TestNode(collection.BuildServiceProvider(validateScopes: true));
    }

    public Task StartAsync() => Server.StartAsync(CancellationToken.None);

    public Task StopAsync() => Server.StopAsync(CancellationToken.None);

    public async Task<JobInfo> WaitAsync(long id, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        return await Client.WaitAsync(id, cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }
}
