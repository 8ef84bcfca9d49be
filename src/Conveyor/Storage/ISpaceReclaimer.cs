namespace Conveyor.Storage;

/// <summary>
/// Optional store capability: housekeeping that keeps claims fast while jobs churn. Every state change of a job
/// leaves old row versions behind in a store that keeps them until a vacuum (PostgreSQL), and the claim walks
/// the dead entries its index holds for each claimed job until then. The server's own autovacuum wakes at most
/// once a minute by default, so a busy node claims through hundreds of thousands of them; the leader calls
/// this at short intervals and the store decides whether the work is due. A store may also refresh here the
/// statistics its queries are planned on (PostgreSQL analyzes a table that outgrew its recorded row count).
/// </summary>
/// <remarks>Stores whose indexes drop entries when the row changes (SQLite, memory) do not offer it.</remarks>
public interface ISpaceReclaimer
{
    /// <summary>
    /// Reclaims the space of dead row versions, or refreshes the planner's statistics, when the store finds it due;
    /// changes no job. Returns true when it did some work, false when it found none due (or not allowed). Safe to
    /// call from several nodes at once.
    /// </summary>
    Task<bool> ReclaimSpaceAsync(ReclaimSpaceParams parameters, CancellationToken cancellationToken = default);
}

/// <summary>A call of <see cref="ISpaceReclaimer.ReclaimSpaceAsync"/>; <paramref name="Force"/> skips the store's "is it due" test.</summary>
public sealed record ReclaimSpaceParams(bool Force = false);
