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
/// </summary>
internal sealed class DelegateHandlerDescriptor : JobHandlerDescriptor
{
    private enum Source { Context, Token, Services, Service, Args }

    private readonly Delegate _handler;
    private readonly ParameterInfo[] _parameters;
    private readonly Type? _contextArgsType;
    private Source[]? _sources; // bound at the first run: needs the container to tell services from args
    private Type? _argsType;
    private readonly Func<object?, Task<object?>> _unwrap;

    public DelegateHandlerDescriptor(string kind, Delegate handler) : base(kind)
    {
        _handler = handler;
        _parameters = handler.Method.GetParameters();
        _contextArgsType = _parameters
            .Select(p => p.ParameterType)
            .FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(JobContext<>))
            ?.GetGenericArguments()[0];
        _unwrap = ResultUnwrapper.For(handler.Method.ReturnType);
    }

    public override JobContext CreateContext(ClaimedJob job, IServiceProvider scope, IJobProgressSink progress)
    {
        Bind(scope);
        if (_argsType is null) return new JobContext(job, scope, progress);
        var args = DeserializeArgs(job, _argsType);
        return (JobContext)Activator.CreateInstance(typeof(JobContext<>).MakeGenericType(_argsType),
            BindingFlags.NonPublic | BindingFlags.Instance, null, [job, scope, progress, args], null)!;
    }

    public override async Task InvokeAsync(JobContext context, CancellationToken cancellationToken)
    {
        var sources = Bind(context.Services);
        var arguments = new object?[_parameters.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = sources[i] switch
            {
                Source.Context => context,
                Source.Token => cancellationToken,
                Source.Services => context.Services,
                Source.Service => context.Services.GetRequiredService(_parameters[i].ParameterType),
                Source.Args => ArgsOf(context),
                _ => throw new InvalidOperationException("unknown parameter source"),
            };
        }
        object? returned;
        try
        {
            returned = _handler.DynamicInvoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        var result = await _unwrap(returned).ConfigureAwait(false);
        if (result is not null) context.SetResult(result);
    }

    private static object? ArgsOf(JobContext context) =>
        context.GetType().GetProperty(nameof(JobContext<object>.Args))!.GetValue(context);

    private Source[] Bind(IServiceProvider scope)
    {
        if (_sources is { } bound) return bound;
        var isService = scope.GetService<IServiceProviderIsService>();
        var sources = new Source[_parameters.Length];
        Type? argsType = _contextArgsType;
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
        _argsType = argsType;
        _sources = sources;
        return sources;
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
