namespace Conveyor.Storage;

/// <summary>
/// Optional role of the hot path (<see cref="IJobStore.EnqueueClaimer"/>): an idle node of this process offers its
/// claim (<see cref="ClaimOffer"/>), and the next enqueue made here into that queue runs the claim in its own
/// transaction, so the job starts without a claim round trip of its own. The claim is an ordinary claim (claim order,
/// ordering keys, paused queues, kinds), only carried by the enqueue's transaction; it sees the rows that transaction
/// inserts.
/// </summary>
/// <remarks>
/// A store takes an offer (<see cref="ClaimOffer.TryTake"/>) before it writes jobs that become available in the
/// offer's queue, and completes every offer it took exactly once (<see cref="ClaimOffer.Complete"/>): with the jobs
/// the claim leased after the commit, or with none when the write failed or went without the claim. A claim that
/// fails must not fail the enqueue: the store writes the jobs again without it (only when the failed transaction is
/// known to have rolled back). <see cref="ClaimOfferBoard"/> keeps the offers for a store.
/// </remarks>
public interface IEnqueueClaimer
{
    /// <summary>Holds <paramref name="offer"/> until an enqueue into its queue takes it or its node withdraws it.</summary>
    void Offer(ClaimOffer offer);
}
