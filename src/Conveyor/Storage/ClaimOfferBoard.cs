using System.Collections.Immutable;

namespace Conveyor.Storage;

/// <summary>The offers an <see cref="IEnqueueClaimer"/> holds; safe to use from any thread.</summary>
public sealed class ClaimOfferBoard
{
    private ImmutableArray<ClaimOffer> _offers = [];

    /// <summary>Holds <paramref name="offer"/>, and forgets the offers that were taken or withdrawn meanwhile.</summary>
    public void Post(ClaimOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ImmutableInterlocked.Update(ref _offers, static (offers, added) => offers.RemoveAll(o => !o.IsPending).Add(added), offer);
    }

    /// <summary>Takes the pending offers of <paramref name="queues"/>, each with the claim to run; null when there is none.</summary>
    public List<(ClaimOffer Offer, ClaimJobsParams Claim)>? Take(IReadOnlyCollection<string> queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        var offers = _offers;
        if (offers.IsEmpty || queues.Count == 0) return null;
        List<(ClaimOffer, ClaimJobsParams)>? taken = null;
        foreach (var offer in offers)
        {
            if (!queues.Contains(offer.Queue, StringComparer.Ordinal)) continue;
            if (offer.TryTake() is { } claim) (taken ??= []).Add((offer, claim));
        }
        if (taken is not null) ImmutableInterlocked.Update(ref _offers, static offers => offers.RemoveAll(o => !o.IsPending));
        return taken;
    }
}
