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

    /// <summary>After the commit: each rider gets the jobs its claim took (<paramref name="claimed"/>, in ride order).</summary>
    private static void DeliverRides(List<(IClaimRider Rider, ClaimJobsParams Claim)>? rides, List<IReadOnlyList<ClaimedJob>>? claimed)
    {
        if (rides is null)
            return;
        for (var i = 0; i < rides.Count; i++)
        {
            try
            {
                rides[i].Rider.Claimed(rides[i].Claim, claimed![i]);
            }
            catch (Exception)
            {
                // The jobs are committed: a rider that fails (it logs why) must not make the enqueue look failed, or
                // its caller would enqueue them again. Jobs leased to a node that cannot run them are rescued when
                // their leases run out.
            }
        }
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
