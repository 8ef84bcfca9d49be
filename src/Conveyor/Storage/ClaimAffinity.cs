namespace Conveyor.Storage;

/// <summary>
/// The affinity rule of one claim: a job with an affinity key is claimable when its bucket is among
/// <paramref name="Owned"/> (this node owns the key), or when it has been available since
/// <paramref name="OthersAvailableBefore"/> or earlier (its <c>run_at</c>): the owner had the grace period to take it
/// and did not (busy, stopping or gone). A job without a key is always claimable.
/// </summary>
/// <param name="Owned">The buckets this node owns in the claim's queue.</param>
/// <param name="OthersAvailableBefore">The claim's time minus the grace period.</param>
public sealed record ClaimAffinity(AffinityBuckets Owned, DateTimeOffset OthersAvailableBefore)
{
    /// <summary>True when a job with <paramref name="affinityKey"/>, available since <paramref name="runAt"/>, may be claimed.</summary>
    public bool Admits(string? affinityKey, DateTimeOffset runAt) =>
        affinityKey is null || runAt <= OthersAvailableBefore || Owned.Contains(AffinityBuckets.Of(affinityKey));
}
