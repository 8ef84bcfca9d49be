using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Handlers;

/// <summary>
/// A delegate handler with minimal-API style parameters. Each parameter is bound by type:
/// <see cref="JobContext"/> or <see cref="JobContext{TArgs}"/>, <see cref="CancellationToken"/>,
/// <see cref="IServiceProvider"/>, a service registered in DI, or — at most one — the job's args
/// (deserialised from JSON). The return value (awaited when it is a task) becomes the job's result.
/// The binding is compiled once into a delegate, so a call costs what a hand-written one does.
/// </summary>
internal sealed class DelegateHandlerDescriptor : JobHandlerDescriptor
{
    private enum Source { Context, Token, Services, Service, Args }

    private delegate JobContext ContextFactory(ClaimedJob job, IServiceScopeFactory scopes, IJobProgressSink progress, object args);

    private sealed record Binding(Type? ArgsType, ContextFactory? CreateContext, Func<JobContext, CancellationToken, object?> Invoke);

    private readonly Delegate _handler;
    private readonly ParameterInfo[] _parameters;
    private readonly Type? _contextArgsType;
    private readonly Type _returnType;
    private readonly Func<object?, Task<object?>> _unwrap;
    private Binding? _binding; // made at the first run: needs the container to tell services from args

    public DelegateHandlerDescriptor(string kind, Delegate handler) : base(kind)
    {
        _handler = handler;
        _parameters = handler.Method.GetParameters();
        _contextArgsType = _parameters
            .Select(p => p.ParameterType)
            .FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(JobContext<>))
            ?.GetGenericArguments()[0];
        _returnType = handler.Method.ReturnType;
        _unwrap = ResultUnwrapper.For(_returnType);
    }

    public override JobContext CreateContext(ClaimedJob job, IServiceScopeFactory scopes, IServiceProvider root, IJobProgressSink progress)
    {
        var binding = Bind(root);
        if (binding.CreateContext is null) return new JobContext(job, scopes, progress);
        return binding.CreateContext(job, scopes, progress, DeserializeArgs(job, binding.ArgsType!));
    }

    public override Task InvokeAsync(JobContext context, CancellationToken cancellationToken)
    {
        var binding = _binding ?? throw new InvalidOperationException("the handler was invoked before its context was created");
        var returned = binding.Invoke(context, cancellationToken);
        // The common shapes finish without a state machine: void, a completed Task, a plain value.
        if (_returnType == typeof(void)) return Task.CompletedTask;
        if (returned is Task task && _returnType == typeof(Task)) return task;
        if (returned is not Task && returned is not ValueTask && !IsValueTaskOfT(_returnType))
        {
            if (returned is not null) context.SetResult(returned);
            return Task.CompletedTask;
        }
        return AwaitResultAsync(returned, context);
    }

    private async Task AwaitResultAsync(object? returned, JobContext context)
    {
        var result = await _unwrap(returned).ConfigureAwait(false);
        if (result is not null) context.SetResult(result);
    }

    private static bool IsValueTaskOfT(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>);

    private Binding Bind(IServiceProvider root)
    {
        if (_binding is { } bound) return bound;
        var isService = root.GetService<IServiceProviderIsService>();
        var sources = new Source[_parameters.Length];
        var argsType = _contextArgsType;
        for (var i = 0; i < sources.Length; i++)
        {
            var type = _parameters[i].ParameterType;
            if (typeof(JobContext).IsAssignableFrom(type)) sources[i] = Source.Context;
            else if (type == typeof(CancellationToken)) sources[i] = Source.Token;
            else if (type == typeof(IServiceProvider)) sources[i] = Source.Services;
            else if (!typeof(IJobArgs).IsAssignableFrom(type) && isService?.IsService(type) == true) sources[i] = Source.Service;
            else
            {
                if (argsType is not null && argsType != type)
                    throw new InvalidOperationException(
                        $"handler of kind '{Kind}' has two argument parameters ({argsType.Name} and {type.Name}); register {type.Name} as a service or take one args type");
                argsType = type;
                sources[i] = Source.Args;
            }
        }
        var binding = new Binding(argsType, argsType is null ? null : CompileContextFactory(argsType), CompileInvoker(sources, argsType));
        _binding = binding;
        return binding;
    }

    /// <summary>(job, scopes, progress, args) => new JobContext&lt;TArgs&gt;(job, scopes, progress, (TArgs)args).</summary>
    private static ContextFactory CompileContextFactory(Type argsType)
    {
        var contextType = typeof(JobContext<>).MakeGenericType(argsType);
        var constructor = contextType.GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance,
            [typeof(ClaimedJob), typeof(IServiceScopeFactory), typeof(IJobProgressSink), argsType])!;
        var job = Expression.Parameter(typeof(ClaimedJob), "job");
        var scopes = Expression.Parameter(typeof(IServiceScopeFactory), "scopes");
        var progress = Expression.Parameter(typeof(IJobProgressSink), "progress");
        var args = Expression.Parameter(typeof(object), "args");
        var body = Expression.New(constructor, job, scopes, progress, Expression.Convert(args, argsType));
        return Expression.Lambda<ContextFactory>(body, job, scopes, progress, args).Compile();
    }

    /// <summary>(context, token) => (object)handler(…each parameter from its source…).</summary>
    private Func<JobContext, CancellationToken, object?> CompileInvoker(Source[] sources, Type? argsType)
    {
        var context = Expression.Parameter(typeof(JobContext), "context");
        var token = Expression.Parameter(typeof(CancellationToken), "token");
        var services = Expression.Property(context, nameof(JobContext.Services));
        var getRequiredService = typeof(ServiceProviderServiceExtensions).GetMethod(
            nameof(ServiceProviderServiceExtensions.GetRequiredService), [typeof(IServiceProvider), typeof(Type)])!;
        var arguments = new Expression[sources.Length];
        for (var i = 0; i < sources.Length; i++)
        {
            var type = _parameters[i].ParameterType;
            arguments[i] = sources[i] switch
            {
                Source.Context => Expression.Convert(context, type),
                Source.Token => token,
                Source.Services => services,
                Source.Service => Expression.Convert(Expression.Call(getRequiredService, services, Expression.Constant(type, typeof(Type))), type),
                Source.Args => Expression.Property(Expression.Convert(context, typeof(JobContext<>).MakeGenericType(argsType!)), nameof(JobContext<object>.Args)),
                _ => throw new InvalidOperationException("unknown parameter source"),
            };
        }
        Expression call = Expression.Invoke(Expression.Constant(_handler), arguments);
        Expression body = _returnType == typeof(void)
            ? Expression.Block(typeof(object), call, Expression.Constant(null, typeof(object)))
            : Expression.Convert(call, typeof(object));
        return Expression.Lambda<Func<JobContext, CancellationToken, object?>>(body, context, token).Compile();
    }

    private object DeserializeArgs(ClaimedJob job, Type argsType)
    {
        try
        {
            return JsonSerializer.Deserialize(job.ArgsJson, argsType, ConveyorJson.Options)
                ?? throw new JobArgumentsException(Kind, argsType, "args are null");
        }
        catch (JsonException e)
        {
            throw new JobArgumentsException(Kind, argsType, e.Message, e);
        }
    }
}
