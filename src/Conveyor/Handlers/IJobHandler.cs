namespace Conveyor;

/// <summary>
/// Runs jobs of one kind. Resolved from dependency injection in a fresh scope for every job.
/// Observe the cancellation token: it fires on the job's timeout, on cancel and on shutdown.
/// </summary>
/// <typeparam name="TArgs">The job's arguments; their <see cref="IJobArgs.Kind"/> names the kind.</typeparam>
public interface IJobHandler<TArgs> where TArgs : IJobArgs
{
    /// <summary>Runs one attempt. Throw to fail it (it is retried); throw <see cref="PermanentJobFailureException"/> to skip the retries.</summary>
    Task HandleAsync(JobContext<TArgs> job, CancellationToken cancellationToken);
}

/// <summary>A handler whose result is stored with the job (serialised to JSON).</summary>
public interface IJobHandler<TArgs, TResult> where TArgs : IJobArgs
{
    /// <summary>Runs one attempt and returns the job's result.</summary>
    Task<TResult> HandleAsync(JobContext<TArgs> job, CancellationToken cancellationToken);
}
