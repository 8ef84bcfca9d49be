namespace Conveyor.Storage;

/// <summary>A job that an operation refers to (such as <c>after</c>) does not exist.</summary>
public sealed class JobNotFoundException(long jobId)
    : Exception($"job {jobId} does not exist")
{
    /// <summary>The missing job's id.</summary>
    public long JobId { get; } = jobId;
}
