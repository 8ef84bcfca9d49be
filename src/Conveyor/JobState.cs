namespace Conveyor;

/// <summary>
/// The life cycle of a job. Final states are <see cref="Succeeded"/>, <see cref="Dead"/> and
/// <see cref="Cancelled"/>; a job never leaves a final state except through an explicit retry.
/// </summary>
public enum JobState
{
    /// <summary>Waits for its <c>runAt</c>; the leader promotes it to <see cref="Available"/>.</summary>
    Scheduled,
    /// <summary>Ready to be claimed by a node.</summary>
    Available,
    /// <summary>Leased to one node, whose handler is running it.</summary>
    Running,
    /// <summary>Finished successfully (final).</summary>
    Succeeded,
    /// <summary>Failed; waits for its backoff, then becomes <see cref="Available"/> again.</summary>
    Retrying,
    /// <summary>Attempts exhausted or failed permanently; kept for a human (final).</summary>
    Dead,
    /// <summary>Cancelled by a user or because a dependency did not succeed (final).</summary>
    Cancelled,
    /// <summary>Held until the job it depends on (<c>after</c>) succeeds.</summary>
    Waiting,
}
