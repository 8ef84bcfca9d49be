using Conveyor.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conveyor;

/// <summary>Registers handlers, middleware and a worker; returned by <c>AddConveyor</c>.</summary>
public sealed class ConveyorBuilder
{
    internal ConveyorBuilder(IServiceCollection services, HandlerRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    /// <summary>The service collection, for further registrations.</summary>
    public IServiceCollection Services { get; }

    internal HandlerRegistry Registry { get; }

    /// <summary>
    /// Registers <typeparamref name="THandler"/> (scoped; one instance per job) for the kind of
    /// <typeparamref name="TArgs"/>. The handler implements <see cref="IJobHandler{TArgs}"/> or
    /// <see cref="IJobHandler{TArgs, TResult}"/>.
    /// </summary>
    public ConveyorBuilder AddJob<TArgs, THandler>()
        where TArgs : IJobArgs
        where THandler : class
    {
        JobHandlerDescriptor descriptor;
        if (typeof(IJobHandler<TArgs>).IsAssignableFrom(typeof(THandler)))
        {
            descriptor = (JobHandlerDescriptor)Activator.CreateInstance(typeof(TypedHandlerDescriptor<,>).MakeGenericType(typeof(TArgs), typeof(THandler)))!;
        }
        else
        {
            var withResult = typeof(THandler).GetInterfaces().FirstOrDefault(i =>
                i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IJobHandler<,>) && i.GetGenericArguments()[0] == typeof(TArgs))
                ?? throw new ArgumentException($"{typeof(THandler).Name} implements neither IJobHandler<{typeof(TArgs).Name}> nor IJobHandler<{typeof(TArgs).Name}, TResult>", nameof(THandler));
            var resultType = withResult.GetGenericArguments()[1];
            descriptor = (JobHandlerDescriptor)Activator.CreateInstance(
                typeof(TypedResultHandlerDescriptor<,,>).MakeGenericType(typeof(TArgs), resultType, typeof(THandler)))!;
        }
        Registry.Add(descriptor);
        Services.TryAddScoped<THandler>();
        return this;
    }

    /// <summary>
    /// Registers a delegate for <paramref name="kind"/>. Its parameters are bound by type: <see cref="JobContext"/>
    /// (or <see cref="JobContext{TArgs}"/>), <see cref="CancellationToken"/>, services from DI, and at most one
    /// args type deserialised from the job's JSON. What it returns (awaited) is the job's result.
    /// </summary>
    public ConveyorBuilder AddJob(string kind, Delegate handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Registry.Add(new DelegateHandlerDescriptor(kind, handler));
        return this;
    }

    /// <summary>Registers a delegate for the kind of <typeparamref name="TArgs"/>.</summary>
    public ConveyorBuilder AddJob<TArgs>(Delegate handler) where TArgs : IJobArgs => AddJob(TArgs.Kind, handler);

    /// <summary>
    /// Runs the jobs of <paramref name="kind"/> with a program (see <see cref="ExecHandlerOptions"/>): started directly,
    /// never through a shell, with <c>{field}</c> placeholders of its arguments filled from the job's args, one argument
    /// each. The options are checked now: a program path that does not exist or a malformed argument throws
    /// <see cref="ArgumentException"/>.
    /// </summary>
    public ConveyorBuilder AddExecJob(string kind, ExecHandlerOptions options)
    {
        Registry.Add(new Handlers.Exec.ExecHandlerDescriptor(kind, options));
        return this;
    }

    /// <summary>
    /// Adds middleware around every attempt (scoped; the first added runs outermost), including one whose args cannot be
    /// read: it then sees a <see cref="JobContext"/> without typed args and the <see cref="JobArgumentsException"/>.
    /// </summary>
    public ConveyorBuilder UseMiddleware<TMiddleware>() where TMiddleware : class, IJobMiddleware
    {
        Services.TryAddScoped<TMiddleware>();
        Registry.AddMiddleware(typeof(TMiddleware));
        return this;
    }

    /// <summary>
    /// Defines a recurring schedule: a job of <paramref name="kind"/> with <paramref name="argsJson"/> at each tick of
    /// <paramref name="cron"/> (five fields, or six with seconds first) in <paramref name="timeZone"/> (an IANA id; UTC when
    /// null). Checked now (bad input throws <see cref="Validation.JobValidationException"/>); stored when a node of this
    /// setup starts, replacing a stored schedule of the same name that differs.
    /// </summary>
    public ConveyorBuilder AddRecurring(string name, string cron, string kind, string argsJson = "{}", JobOptions? options = null, string? timeZone = null) =>
        AddRecurring(new RecurringJob(name, cron, kind, argsJson) { Options = options, TimeZone = timeZone });

    /// <summary>Defines a recurring schedule of a typed job (see <see cref="AddRecurring(string, string, string, string, JobOptions?, string?)"/>).</summary>
    public ConveyorBuilder AddRecurring<TArgs>(string name, string cron, TArgs args, JobOptions? options = null, string? timeZone = null)
        where TArgs : IJobArgs
    {
        ArgumentNullException.ThrowIfNull(args);
        var json = System.Text.Json.JsonSerializer.Serialize(args, Serialization.ConveyorJson.Options);
        return AddRecurring(name, cron, TArgs.Kind, json, options, timeZone);
    }

    /// <summary>Defines a recurring schedule with every setting (missed-tick policy included).</summary>
    public ConveyorBuilder AddRecurring(RecurringJob job) => AddRecurring(job, Recurring.RecurringJobRegistry.CodeSource);

    internal ConveyorBuilder AddRecurring(RecurringJob job, string source)
    {
        RecurringRegistry.Add(job, source);
        return this;
    }

    /// <summary>The schedules of this setup, made and registered on first use.</summary>
    private Recurring.RecurringJobRegistry RecurringRegistry
    {
        get
        {
            if (_recurring is null)
            {
                _recurring = new Recurring.RecurringJobRegistry();
                Services.AddSingleton(_recurring);
            }
            return _recurring;
        }
    }

    private Recurring.RecurringJobRegistry? _recurring;

    /// <summary>Runs a node in this process (a hosted <see cref="JobServer"/>) with the given queues and timings.</summary>
    /// <exception cref="InvalidOperationException">The settings are out of range or do not fit together.</exception>
    public ConveyorBuilder AddWorker(Action<WorkerOptionsBuilder>? configure = null)
    {
        var builder = new WorkerOptionsBuilder();
        configure?.Invoke(builder);
        return AddWorker(builder.Build());
    }

    /// <summary>Runs a node in this process (a hosted <see cref="JobServer"/>) with options built beforehand.</summary>
    public ConveyorBuilder AddWorker(WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Services.AddSingleton(options);
        Services.AddSingleton(sp => new JobServer(
            sp.GetRequiredService<Storage.IJobStore>(), Registry, sp, options,
            sp.GetRequiredService<Dispatching.ProcessClock>().Time, sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>(),
            sp.GetService<Observability.ConveyorMetrics>()));
        Services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(sp => sp.GetRequiredService<JobServer>());
        return this;
    }
}
