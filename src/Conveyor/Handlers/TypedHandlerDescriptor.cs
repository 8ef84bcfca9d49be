using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Handlers;

/// <summary>A class handler (<see cref="IJobHandler{TArgs}"/>) resolved from the job's scope.</summary>
internal sealed class TypedHandlerDescriptor<TArgs, THandler>() : JobHandlerDescriptor(TArgs.Kind)
    where TArgs : IJobArgs
    where THandler : class, IJobHandler<TArgs>
{
    public override JobContext CreateContext(ClaimedJob job, IServiceScopeFactory scopes, IServiceProvider root, IJobProgressSink progress) =>
        new JobContext<TArgs>(job, scopes, progress, DeserializeArgs<TArgs>(job));

    public override Task InvokeAsync(JobContext context, CancellationToken cancellationToken) =>
        context.Services.GetRequiredService<THandler>().HandleAsync((JobContext<TArgs>)context, cancellationToken);
}

/// <summary>A class handler that returns a result (<see cref="IJobHandler{TArgs, TResult}"/>).</summary>
internal sealed class TypedResultHandlerDescriptor<TArgs, TResult, THandler>() : JobHandlerDescriptor(TArgs.Kind)
    where TArgs : IJobArgs
    where THandler : class, IJobHandler<TArgs, TResult>
{
    public override JobContext CreateContext(ClaimedJob job, IServiceScopeFactory scopes, IServiceProvider root, IJobProgressSink progress) =>
        new JobContext<TArgs>(job, scopes, progress, DeserializeArgs<TArgs>(job));

    public override async Task InvokeAsync(JobContext context, CancellationToken cancellationToken)
    {
        var result = await context.Services.GetRequiredService<THandler>()
            .HandleAsync((JobContext<TArgs>)context, cancellationToken).ConfigureAwait(false);
        context.SetResult(result);
    }
}
