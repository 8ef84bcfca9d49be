namespace Conveyor.Sqlite;

/// <summary>How hard SQLite pushes each commit to the disk (<c>PRAGMA synchronous</c>; the store always runs in WAL mode).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// Every operation is reported to its caller only once its commit is on the disk (fsync of the
    /// WAL): a reported enqueue, completion, cancel or any other change survives a power loss or an
    /// operating-system crash. The default. The flush happens after the commit, outside SQLite's write
    /// lock, and one flush covers every commit made before it began, so the writer never waits for the
    /// disk. Two consequences: other connections may see a commit up to one flush (about a millisecond)
    /// before it is durable; and a claim is reported at its commit, not after the flush, so jobs start
    /// without waiting for the disk — a claim lost to a power loss leaves its job <c>available</c> with
    /// the attempt not counted (what the rescue of the dead node's lease would do, minus the charge),
    /// and the flush of the job's completion always carries its claim.
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
