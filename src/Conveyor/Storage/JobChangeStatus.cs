namespace Conveyor.Storage;

/// <summary>The outcome of cancel, retry or delete.</summary>
public enum JobChangeStatus
{
    /// <summary>Done; <see cref="JobChangeResult.Job"/> holds the job after the change (null after a delete).</summary>
    Done,
    /// <summary>No job has that id.</summary>
    NotFound,
    /// <summary>The job's state does not allow the change; <see cref="JobChangeResult.Job"/> holds it unchanged.</summary>
    NotAllowed,
    /// <summary>
    /// The job's state allows the change, but another job or a rule the job was enqueued under does not (a retry
    /// that would run a second job of a unique key, run two jobs of an ordering key at once, or run a job before the
    /// job it waits for succeeded). <see cref="JobChangeResult.Reason"/> says which; the job is unchanged.
    /// </summary>
    Conflict,
}
