using Conveyor.Sqlite.Connections;

namespace Conveyor.Sqlite.Jobs;

/// <summary>
/// The triggers that keep each open batch's count of unfinished children (<see cref="Storage.JobLifecycle.BatchRemainingDelta"/>):
/// every change of a child's state, and every delete of an unfinished child, counts it in the transaction of that
/// change, and the change that counts off the last child releases the callback and closes the batch. Every write
/// holds the file, so two changes never count at once.
/// </summary>
/// <remarks>
/// SQLite runs a trigger's program for every row an UPDATE OF state changes, whatever its WHEN says: about 2 µs per
/// change, on every claim and every completion. So the triggers exist only while a batch is open: the insert of a
/// batch creates them, and the leader's promotion tick drops them once no batch is open (<see cref="DropWhenIdle"/>).
/// Both are schema changes in a write transaction; connections of every process prepare their statements again once.
/// </remarks>
internal static class BatchTriggers
{
    private const string Final = "{0}.state = 'succeeded' OR {0}.state = 'dead' OR {0}.state = 'cancelled'";

    // A closed batch (remaining 0) is not counted; only the callback still waiting is released.
    private const string ReleaseSql = """
        UPDATE conveyor_jobs SET state = 'available'
            WHERE state = 'waiting' AND id = (SELECT callback_job_id FROM conveyor_batches WHERE id = OLD.batch_id AND remaining = 0);
        """;

    private static readonly string CreateSql = $"""
        CREATE TRIGGER IF NOT EXISTS conveyor_batch_child_changed AFTER UPDATE OF state ON conveyor_jobs
        WHEN OLD.batch_id IS NOT NULL AND ({string.Format(null, Final, "OLD")}) <> ({string.Format(null, Final, "NEW")})
        BEGIN
            UPDATE conveyor_batches SET remaining = remaining + (CASE WHEN {string.Format(null, Final, "NEW")} THEN -1 ELSE 1 END)
            WHERE id = OLD.batch_id AND remaining > 0;
            {ReleaseSql}
        END;

        CREATE TRIGGER IF NOT EXISTS conveyor_batch_child_deleted AFTER DELETE ON conveyor_jobs
        WHEN OLD.batch_id IS NOT NULL AND NOT ({string.Format(null, Final, "OLD")})
        BEGIN
            UPDATE conveyor_batches SET remaining = remaining - 1 WHERE id = OLD.batch_id AND remaining > 0;
            {ReleaseSql}
        END;
        """;

    private const string PresentSql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'conveyor_batch_child_changed'";

    private const string AnyOpenSql = "SELECT EXISTS (SELECT 1 FROM conveyor_batches WHERE remaining > 0)";

    private const string DropSql = """
        DROP TRIGGER IF EXISTS conveyor_batch_child_changed;
        DROP TRIGGER IF EXISTS conveyor_batch_child_deleted;
        """;

    /// <summary>Creates the triggers unless they exist; call in the write transaction that inserts a batch, before its children change.</summary>
    public static void Ensure(SqliteSession session)
    {
        if (!Present(session))
            session.ExecuteOnce(CreateSql);
    }

    /// <summary>Drops the triggers when they exist and no batch is open; returns whether it dropped them.</summary>
    public static bool DropWhenIdle(SqliteSession session)
    {
        if (!Present(session) || (long)session.Command(AnyOpenSql).ExecuteScalar()! != 0)
            return false;
        session.ExecuteOnce(DropSql);
        return true;
    }

    /// <summary>True while the triggers exist (tests).</summary>
    public static bool Present(SqliteSession session) => (long)session.Command(PresentSql).ExecuteScalar()! != 0;
}
