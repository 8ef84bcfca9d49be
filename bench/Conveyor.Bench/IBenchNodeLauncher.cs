namespace Conveyor.Bench;

/// <summary>Starts node processes on a store for the scale-out measure.</summary>
public interface IBenchNodeLauncher
{
    /// <summary>
    /// Starts <paramref name="nodes"/> node processes on the store named by <paramref name="storeUrl"/>, each serving
    /// <paramref name="queues"/> with <paramref name="concurrency"/> slots per queue.
    /// </summary>
    Task<IBenchNodes> StartNodesAsync(string storeUrl, int nodes, int concurrency, IReadOnlyList<string> queues, CancellationToken cancellationToken);
}
