namespace Conveyor;

/// <summary>The next step of the execution pipeline (further middleware, then the handler).</summary>
public delegate Task JobDelegate(JobContext context, CancellationToken cancellationToken);

/// <summary>
/// Wraps the execution of every job (logging, tracing, metrics, tenancy). Resolved from the job's DI
/// scope; registered with <c>UseMiddleware&lt;T&gt;()</c>; the first registered runs outermost.
/// </summary>
public interface IJobMiddleware
{
    /// <summary>Runs around the rest of the pipeline; call <paramref name="next"/> to go on.</summary>
    Task InvokeAsync(JobContext context, JobDelegate next, CancellationToken cancellationToken);
}
