namespace Conveyor.Storage;

/// <summary>
/// The clock of a store shared by several machines (the database server's). A node of such a store measures its own
/// clock against this one and runs on the store's time, so a machine whose clock is off neither starts scheduled jobs
/// early nor judges other nodes' leases expired early. A store on one machine (SQLite, memory) need not offer it.
/// </summary>
public interface IStoreClock
{
    /// <summary>The store's current time, read as close to the call as the store allows.</summary>
    Task<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default);
}
