using Conveyor.Handlers;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// Runs one attempt: a DI scope, the middleware pipeline, the handler; turns what happened into a
/// <see cref="JobCompletion"/>. Never throws: a failing, hanging or cancelled handler is an outcome.
/// </summary>
internal sealed class JobExecutor(
    HandlerRegistry registry,
    IServiceScopeFactory scopes,
    WorkerOptions options,
    TimeProvider time,
    IJobProgressSink progress,
    AbandonedHandlers abandoned,
    ILogger logger)
{
    private const int MaxStackLength = 8 * 1024;

    /// <summary>The outcome to store, or null when there is nothing to store (the node lost the job).</summary>
    public async Task<JobCompletion?> ExecuteAsync(RunningJob running, CancellationToken shutdown)
    {
        var job = running.Job;
        if (shutdown.IsCancellationRequested) return Released(job);
        if (running.IsLost) return null;
        if (!registry.TryGet(job.Kind, out var descriptor))
            return Fail(job, new PermanentJobFailureException($"no handler for kind '{job.Kind}' on this node"));

        var timeout = job.Timeout ?? options.DefaultTimeout;
        using var timeoutCts = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, running.LostToken, shutdown);
        using var abandon = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        // A handler gets CancelGrace to return once its token fired; after that the slot is taken back.
        await using var graceRegistration = linked.Token.Register(static state =>
        {
            var (cts, grace) = ((CancellationTokenSource, TimeSpan))state!;
            try { cts.CancelAfter(grace); } catch (ObjectDisposedException) { }
        }, (abandon, options.CancelGrace)).ConfigureAwait(false);

        var handlerTask = Task.Run(() => RunPipelineAsync(descriptor, job, linked.Token), CancellationToken.None);
        try
        {
            var resultJson = await handlerTask.WaitAsync(abandon.Token).ConfigureAwait(false);
            return new JobCompletion(job.Id, job.Attempt, JobOutcome.Succeeded, ResultJson: resultJson);
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested && !handlerTask.IsCompleted)
        {
            abandoned.Add(job, handlerTask);
            logger.LogWarning("Job {JobId} ({Kind}) ignored its cancellation for {Grace}; its handler was abandoned", job.Id, job.Kind, options.CancelGrace);
            return Classify(job, running, shutdown, timeoutCts, timeout, exception: null, abandonedHandler: true);
        }
        catch (Exception e)
        {
            return Classify(job, running, shutdown, timeoutCts, timeout, e, abandonedHandler: false);
        }
    }

    private JobCompletion? Classify(ClaimedJob job, RunningJob running, CancellationToken shutdown, CancellationTokenSource timeoutCts,
        TimeSpan timeout, Exception? exception, bool abandonedHandler)
    {
        var cancelled = exception is null or OperationCanceledException;
        if (cancelled && shutdown.IsCancellationRequested) return Released(job);
        if (cancelled && running.IsLost) return null;
        if (cancelled && timeoutCts.IsCancellationRequested)
        {
            var message = abandonedHandler
                ? $"job timed out after {timeout} and ignored cancellation for {options.CancelGrace}; its handler was abandoned"
                : $"job timed out after {timeout}";
            return Fail(job, new TimeoutException(message));
        }
        if (running.IsLost) return null;
        return Fail(job, exception ?? new OperationCanceledException("the handler was cancelled"));
    }

    private async Task<string?> RunPipelineAsync(JobHandlerDescriptor descriptor, ClaimedJob job, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = descriptor.CreateContext(job, scope.ServiceProvider, progress);
            JobDelegate pipeline = descriptor.InvokeAsync;
            var middleware = registry.Middleware;
            for (var i = middleware.Count - 1; i >= 0; i--)
            {
                var step = (IJobMiddleware)scope.ServiceProvider.GetRequiredService(middleware[i]);
                var next = pipeline;
                pipeline = (ctx, ct) => step.InvokeAsync(ctx, next, ct);
            }
            await pipeline(context, cancellationToken).ConfigureAwait(false);
            return context.ResultJson;
        }
    }

    private JobCompletion Fail(ClaimedJob job, Exception exception)
    {
        var now = time.UtcNow();
        var stack = exception.StackTrace;
        if (stack is { Length: > MaxStackLength }) stack = stack[..MaxStackLength];
        var error = new JobError(job.Attempt, now, exception.GetType().FullName ?? exception.GetType().Name, exception.Message, stack);
        if (exception is PermanentJobFailureException || job.Attempt >= job.MaxAttempts)
        {
            logger.LogWarning(exception, "Job {JobId} ({Kind}) failed attempt {Attempt}/{MaxAttempts} and is dead", job.Id, job.Kind, job.Attempt, job.MaxAttempts);
            return new JobCompletion(job.Id, job.Attempt, JobOutcome.Dead, Error: error);
        }
        var retryAt = now + options.Retry.DelayAfter(job.Attempt, Random.Shared.NextDouble());
        logger.LogInformation("Job {JobId} ({Kind}) failed attempt {Attempt}/{MaxAttempts}: {Message}; retrying at {RetryAt}",
            job.Id, job.Kind, job.Attempt, job.MaxAttempts, exception.Message, retryAt);
        return new JobCompletion(job.Id, job.Attempt, JobOutcome.Retry, Error: error, RetryAt: retryAt);
    }

    private static JobCompletion Released(ClaimedJob job) => new(job.Id, job.Attempt, JobOutcome.Released);
}
