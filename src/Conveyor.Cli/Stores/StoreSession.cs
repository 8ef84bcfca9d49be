using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Cli.Stores;

/// <summary>
/// The client and monitor of one store, for commands that act on jobs without running a node.
/// Disposing it closes the store.
/// </summary>
internal sealed class StoreSession : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private StoreSession(StoreUrl url, ServiceProvider services)
    {
        Url = url;
        _services = services;
        Client = services.GetRequiredService<JobClient>();
        Monitor = services.GetRequiredService<JobMonitor>();
        Options = services.GetRequiredService<ConveyorOptions>();
    }

    /// <summary>The store this session talks to.</summary>
    public StoreUrl Url { get; }

    /// <summary>Enqueue and act on jobs.</summary>
    public JobClient Client { get; }

    /// <summary>Queues, nodes, migrations.</summary>
    public JobMonitor Monitor { get; }

    /// <summary>The session's services (recurring schedules and the rest of the setup).</summary>
    public IServiceProvider Services => _services;

    /// <summary>The options the client checks jobs with (the payload limit, the default attempts).</summary>
    public ConveyorOptions Options { get; }

    /// <summary>Opens a session on <paramref name="url"/> (the store connects on first use).</summary>
    public static StoreSession Open(StoreUrl url)
    {
        var services = new ServiceCollection();
        services.AddConveyor(o => StoreSelector.Apply(url, o));
        return new StoreSession(url, services.BuildServiceProvider());
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
