namespace Conveyor.Sqlite;

/// <summary>How hard SQLite pushes each commit to the disk (<c>PRAGMA synchronous</c>; the store always runs in WAL mode).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// <c>FULL</c>: every commit is flushed to the disk (fsync of the WAL) before it returns. A committed
    /// enqueue, claim or completion survives a power loss or an operating-system crash. The default.
    /// </summary>
    Full,

    /// <summary>
    /// <c>NORMAL</c>: commits are written to the WAL but flushed only at checkpoints. The database never
    /// corrupts, and a crash of the process loses nothing; a power loss or operating-system crash may
    /// roll back the last commits (enqueued jobs vanish, finished jobs run again). Faster where a
    /// flush is expensive.
    /// </summary>
    Normal,
}
