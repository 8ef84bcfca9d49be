namespace Conveyor.Bench;

/// <summary>Starts node processes on a store for the scale-out measure; disposing the result stops them.</summary>
public interface IBenchNodeLauncher
{
    /// <summary>Starts <paramref name="nodes"/> node processes with <paramref name="concurrency"/> slots each on the store named by <paramref name="storeUrl"/>.</summary>
    Task<IAsyncDisposable> StartNodesAsync(string storeUrl, int nodes, int concurrency, CancellationToken cancellationToken);
}
