using Conveyor.Storage;

namespace Conveyor.Bench;

/// <summary>
/// A fresh, empty store for one measure (a new file, a new schema), and how to remove it afterwards.
/// Each measure runs on its own so no measure pays for what an earlier one left behind.
/// </summary>
public sealed class BenchStore(IJobStore store, Func<ValueTask>? cleanup = null, string? url = null, IServerCpuMeter? serverCpu = null) : IAsyncDisposable
{
    /// <summary>The store, migrated and empty.</summary>
    public IJobStore Store { get; } = store;

    /// <summary>How node processes reach the same store (a <c>--store</c> value); null when they cannot (memory).</summary>
    public string? Url { get; } = url;

    /// <summary>Reads the CPU time of the store's server, when it runs on this machine; null otherwise.</summary>
    public IServerCpuMeter? ServerCpu { get; } = serverCpu;

    /// <summary>Disposes the store, then removes what it created.</summary>
    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync().ConfigureAwait(false);
        if (cleanup is not null) await cleanup().ConfigureAwait(false);
    }
}
