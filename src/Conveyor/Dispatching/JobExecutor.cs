using Conveyor.Handlers;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>What a worker does after an attempt: store <see cref="Completion"/> (null: nothing to store), or leave when abandoned.</summary>
internal readonly record struct ExecutionResult(bool Abandoned, JobCompletion? Completion);

/// <summary>
/// Runs one attempt on the worker that took the job: the middleware pipeline and the handler, in a DI
/// scope made on first use; turns what happened into a <see cref="JobCompletion"/>. Never throws: a
/// failing, hanging or cancelled handler is an outcome. The handler runs inline (no thread hop): a
/// handler that blocks past its timeout and grace is abandoned by the <see cref="Watchdog"/>, which
/// stores the outcome and gives the dispatcher a new worker.
/// </summary>
internal sealed class JobExecutor(
    HandlerRegistry registry,
    IServiceScopeFactory scopes,
    IServiceProvider root,
    WorkerOptions options,
    TimeProvider time,
    IJobProgressSink progress,
    ILogger logger,
    Observability.ConveyorMetrics? metrics = null)
{
    private const int MaxStackLength = 8 * 1024;

    /// <summary>Runs one attempt.</summary>
    /// <param name="running">The job, claimed for this node.</param>
    /// <param name="stopping">Cancelled when the node stops: a job whose handler has not started goes back uncharged.</param>
    /// <param name="shutdown">Cancelled after the drain period: running handlers are cancelled.</param>
    public async ValueTask<ExecutionResult> ExecuteAsync(RunningJob running, CancellationToken stopping, CancellationToken shutdown)
    {
        var job = running.Job;
        if (stopping.IsCancellationRequested || shutdown.IsCancellationRequested || running.Reason == CancelReason.Shutdown)
            return new(false, Released(job));
        if (running.IsLost) return new(false, null);
        if (!registry.TryGet(job.Kind, out var descriptor))
            return new(false, Fail(job, new PermanentJobFailureException($"no handler for kind '{job.Kind}' on this node")));

        var started = time.GetUtcNow();
        running.BeginHandler(started, started + (job.Timeout ?? options.DefaultTimeout));
        metrics?.HandlerStarted(job);
        // The run span is current while the handler runs, so the log scope and the handler's own spans nest under it.
        using var activity = metrics?.Tracing.StartRun(job);
        // No scope object per job for a node that logs nothing.
        using var logScope = logger.IsEnabled(LogLevel.Critical) ? logger.BeginScope(new JobLogScope(job)) : null;
        JobContext? context = null;
        Exception? failure = null;
        try
        {
            Task pipeline;
            try
            {
                context = descriptor.CreateContext(job, scopes, root, progress);
                // Without middleware the handler is called directly: no delegate per attempt.
                pipeline = registry.Middleware.Count == 0
                    ? descriptor.InvokeAsync(context, running.Token)
                    : RunPipeline(descriptor.InvokeAsync, context, running.Token);
            }
            catch (JobArgumentsException unreadable)
            {
                // The middleware still sees the attempt (logging, tracing, metrics): around a step that fails the
                // way the handler would have, with a context that has the job but no typed args.
                context = new JobContext(job, scopes, progress);
                pipeline = RunPipeline((_, _) => Task.FromException(unreadable), context, running.Token);
            }
            if (pipeline.IsCompletedSuccessfully) { }
            else await pipeline.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            if (context is not null) await DisposeScopeAsync(context, job).ConfigureAwait(false);
        }

        if (failure is not null) Observability.ConveyorTracing.Failed(activity, failure);
        if (!running.TryFinish()) return new(true, null);
        if (failure is null)
            return new(false, new JobCompletion(job.Id, job.Attempt, JobOutcome.Succeeded, ResultJson: context!.ResultJson, StartedAt: LateStart(running)));
        return new(false, Classify(running, failure, abandoned: false));
    }

    /// <summary>
    /// The handler's start when it came noticeably after the claim (a prefetched job waited for its slot), so the stored
    /// started_at means the moment the handler started; null keeps the claim's time (within a millisecond of it).
    /// </summary>
    private static DateTimeOffset? LateStart(RunningJob running) =>
        running.HandlerStartedAt is { } started && started - running.ClaimedAt > TimeSpan.FromMilliseconds(1) ? started : null;

    /// <summary>
    /// The outcome of an attempt that ended with <paramref name="exception"/> (null when its handler was
    /// abandoned), or null when the node lost the job and must store nothing.
    /// </summary>
    public JobCompletion? Classify(RunningJob running, Exception? exception, bool abandoned)
    {
        var job = running.Job;
        var cancelled = exception is null or OperationCanceledException;
        var reason = running.Reason;
        if (cancelled && reason == CancelReason.Shutdown) return Released(job);
        if (running.IsLost) return null;
        if (cancelled && reason == CancelReason.Timeout)
        {
            var timeout = job.Timeout ?? options.DefaultTimeout;
            var message = abandoned
                ? $"job timed out after {timeout} and ignored cancellation for {options.CancelGrace}; its handler was abandoned"
                : $"job timed out after {timeout}";
            return Fail(job, new TimeoutException(message)) with { StartedAt = LateStart(running) };
        }
        return Fail(job, exception ?? new OperationCanceledException("the handler was cancelled")) with { StartedAt = LateStart(running) };
    }

    private Task RunPipeline(JobDelegate handler, JobContext context, CancellationToken cancellationToken)
    {
        var middleware = registry.Middleware;
        var pipeline = handler;
        for (var i = middleware.Count - 1; i >= 0; i--)
        {
            var step = (IJobMiddleware)context.Services.GetRequiredService(middleware[i]);
            var next = pipeline;
            pipeline = (ctx, ct) => step.InvokeAsync(ctx, next, ct);
        }
        return pipeline(context, cancellationToken);
    }

    private async ValueTask DisposeScopeAsync(JobContext context, ClaimedJob job)
    {
        try
        {
            await context.DisposeScopeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The attempt's outcome stands; a service that fails to dispose is the application's to fix.
            logger.LogWarning(e, "Disposing the services of job {JobId} ({Kind}) failed", job.Id, job.Kind);
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
