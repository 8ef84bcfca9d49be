using Conveyor.Handlers;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conveyor;

/// <summary>Adds Conveyor to a service collection.</summary>
public static class ConveyorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store, <see cref="JobClient"/>, <see cref="JobMonitor"/> and <see cref="RecurringJobs"/>; returns a builder for handlers
    /// and a worker. <paramref name="configure"/> must choose a store (<c>UseInMemory()</c>, <c>UseSqlite(path)</c>,
    /// <c>UsePostgres(…)</c>); the options are validated here.
    /// </summary>
    public static ConveyorBuilder AddConveyor(this IServiceCollection services, Action<ConveyorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ConveyorOptions();
        configure(options);
        options.Validate();
        var registry = new HandlerRegistry();
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => options.StoreFactory!(sp));
        services.TryAddSingleton(sp => new Observability.ConveyorMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(Dispatching.ProcessClock.Create);
        services.AddSingleton(sp => new JobClient(sp.GetRequiredService<IJobStore>(), options, sp.GetRequiredService<Dispatching.ProcessClock>().Time,
            sp.GetRequiredService<Observability.ConveyorMetrics>()));
        services.AddSingleton(sp => new RecurringJobs(sp.GetRequiredService<IJobStore>(), options, sp.GetRequiredService<Dispatching.ProcessClock>().Time));
        services.AddSingleton(sp => new JobMonitor(sp.GetRequiredService<IJobStore>(), sp.GetRequiredService<Dispatching.ProcessClock>().Time));
        return new ConveyorBuilder(services, registry);
    }
}
