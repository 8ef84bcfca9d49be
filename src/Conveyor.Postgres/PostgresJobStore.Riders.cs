using System.Collections.Immutable;
using Conveyor.Storage;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    private ImmutableArray<IClaimRider> _riders = [];

    /// <inheritdoc />
    /// <remarks>
    /// Claims ride on the plain inserts (single enqueues and the group-commit combiner's writes): not on bulk COPY,
    /// not on inserts that look up unique keys or parents first, not in a caller's transaction (its commit, or
    /// rollback, is the caller's, so the node could not start the jobs when the call returns).
    /// </remarks>
    public IDisposable AddRider(IClaimRider rider)
    {
        ArgumentNullException.ThrowIfNull(rider);
        ImmutableInterlocked.Update(ref _riders, riders => riders.Add(rider));
        return new RiderRegistration(this, rider);
    }

    /// <summary>Reserves a claim from each rider of a queue that gets available jobs in this write.</summary>
    private List<(IClaimRider Rider, ClaimJobsParams Claim)>? ReserveRides(IReadOnlyList<string> availableQueues)
    {
        var riders = _riders;
        if (riders.IsEmpty || availableQueues.Count == 0)
            return null;
        List<(IClaimRider, ClaimJobsParams)>? rides = null;
        foreach (var rider in riders)
        {
            if (!availableQueues.Contains(rider.Queue, StringComparer.Ordinal))
                continue;
            if (rider.TryReserve() is { } claim)
                (rides ??= []).Add((rider, claim));
        }
        return rides;
    }

    private static void ReleaseRides(List<(IClaimRider Rider, ClaimJobsParams Claim)>? rides)
    {
        if (rides is null)
            return;
        foreach (var (rider, claim) in rides)
            rider.Released(claim);
    }

    private sealed class RiderRegistration(PostgresJobStore store, IClaimRider rider) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref store._riders, riders => riders.Remove(rider));
    }
}
