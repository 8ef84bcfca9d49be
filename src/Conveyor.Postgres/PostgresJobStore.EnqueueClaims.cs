using Conveyor.Storage;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    private readonly ClaimOfferBoard _offers = new();

    /// <inheritdoc />
    /// <remarks>
    /// Claims ride on the plain inserts (single enqueues and the group-commit combiner's writes): not on bulk COPY,
    /// not on inserts that look up unique keys or parents first, not in a caller's transaction (its commit, or
    /// rollback, is the caller's, so the node could not start the jobs when the call returns).
    /// </remarks>
    public void Offer(ClaimOffer offer) => _offers.Post(offer);

    /// <summary>After the commit: each offer gets the jobs its claim took (<paramref name="claimed"/>, in ride order).</summary>
    private static void DeliverRides(List<(ClaimOffer Offer, ClaimJobsParams Claim)>? rides, List<IReadOnlyList<ClaimedJob>>? claimed)
    {
        if (rides is null)
            return;
        for (var i = 0; i < rides.Count; i++)
            rides[i].Offer.Complete(claimed![i]);
    }

    /// <summary>The write failed or went without the claims: their offers get nothing.</summary>
    private static void ReleaseRides(List<(ClaimOffer Offer, ClaimJobsParams Claim)>? rides)
    {
        if (rides is null)
            return;
        foreach (var (offer, _) in rides)
            offer.Complete([]);
    }
}
