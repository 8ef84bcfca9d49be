namespace Conveyor;

/// <summary>The outcome of one enqueue.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Existing">True when a job with the same unique key already existed and was returned instead.</param>
public readonly record struct EnqueueResult(long Id, bool Existing);
