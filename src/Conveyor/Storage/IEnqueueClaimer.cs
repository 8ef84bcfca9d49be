namespace Conveyor.Storage;

/// <summary>
/// Optional store capability: when an enqueue made in this process is written, claim for an idle node of this
/// process in the same transaction, so the job starts without a claim round trip of its own. An idle node
/// otherwise learns of the job from a wake-up and then claims it: two round trips between enqueue and start
/// instead of one. The claim is an ordinary claim (claim order, ordering keys, paused queues, kinds), only
/// carried by the enqueue's transaction; it sees the rows that transaction inserts.
/// </summary>
/// <remarks>
/// The core registers one <see cref="IClaimRider"/> per queue of a running node. A store calls
/// <see cref="IClaimRider.TryReserve"/> before it writes jobs that become available in the rider's queue, and then
/// exactly one of <see cref="IClaimRider.Claimed"/> (after the commit) or <see cref="IClaimRider.Released"/> for
/// every reservation it got. A claim that fails must not fail the enqueue: the store writes the jobs again
/// without it (only when the failed transaction is known to have rolled back).
/// </remarks>
public interface IEnqueueClaimer
{
    /// <summary>Starts offering claims to <paramref name="rider"/>; disposing the result stops it (reservations made before still end normally).</summary>
    IDisposable AddRider(IClaimRider rider);
}

/// <summary>The node's side of a claim carried by an enqueue (see <see cref="IEnqueueClaimer"/>).</summary>
public interface IClaimRider
{
    /// <summary>The queue this rider claims from.</summary>
    string Queue { get; }

    /// <summary>
    /// Reserves the node's free slots for a claim about to be written with an enqueue, and returns that claim; null
    /// when the node is not idle (it is claiming on its own, has no free slot, or is stopping).
    /// </summary>
    ClaimJobsParams? TryReserve();

    /// <summary>The enqueue committed with the claim: these jobs (none, or up to the reservation's limit) are leased to the node.</summary>
    void Claimed(ClaimJobsParams reservation, IReadOnlyList<ClaimedJob> jobs);

    /// <summary>Nothing was claimed with the enqueue (it failed, or was written without the claim): the slots are free again.</summary>
    void Released(ClaimJobsParams reservation);
}
