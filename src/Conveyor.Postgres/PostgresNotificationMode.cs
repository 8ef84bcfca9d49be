namespace Conveyor.Postgres;

/// <summary>How nodes learn that jobs became available.</summary>
public enum PostgresNotificationMode
{
    /// <summary>
    /// LISTEN on one dedicated connection per store and NOTIFY after enqueues, so idle nodes claim at once.
    /// The default. Needs a session that stays open (a direct connection or a session-mode pooler).
    /// </summary>
    Listen,

    /// <summary>
    /// No LISTEN and no NOTIFY: nodes of other processes find work by polling (<c>WorkerOptions.PollInterval</c>);
    /// nodes in the same process as the enqueuer are still woken at once. For transaction-mode connection
    /// poolers (PgBouncer, RDS Proxy, Supavisor) that cannot keep a LISTEN session.
    /// </summary>
    PollOnly,
}
