namespace Conveyor.Storage;

/// <summary>Elects one leader at a time through the store, with a lease that the holder renews.</summary>
public interface ILeaderElector
{
    /// <summary>
    /// Takes the leadership if it is free or expired, or renews it if <c>NodeName</c> holds it; the lease
    /// then lasts until now + TTL. A lease is valid while now &lt; its end; at its end anyone may take it.
    /// Returns true when the caller is the leader afterwards.
    /// </summary>
    Task<bool> TryAcquireAsync(LeaderLeaseParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Gives the leadership up if <c>NodeName</c> holds it, so another node can take it at once.</summary>
    Task ReleaseAsync(LeaderReleaseParams parameters, CancellationToken cancellationToken = default);

    /// <summary>The current leader's node name, or null when nobody holds an unexpired lease.</summary>
    Task<string?> GetLeaderAsync(GetLeaderParams parameters, CancellationToken cancellationToken = default);
}
