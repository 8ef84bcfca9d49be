namespace Conveyor.Storage;

/// <summary>The outcome of cancel, retry or delete, with the job as it is now.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Job">The job after the change, or unchanged when the change was refused (null when deleted or not found).</param>
/// <param name="Reason">For <see cref="JobChangeStatus.Conflict"/>: why, in one sentence a person can act on.</param>
public sealed record JobChangeResult(JobChangeStatus Status, JobInfo? Job, string? Reason = null);
