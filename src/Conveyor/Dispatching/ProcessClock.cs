using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Dispatching;

/// <summary>
/// The one clock of a process's Conveyor services: the client, the monitor, recurring schedules and the node. On a
/// store with its own clock (<see cref="IStoreClock"/>) it is a <see cref="StoreTime"/> whose offset the node measures;
/// an enqueue then stamps its jobs with the time the node claims by, so a job enqueued beside an idle node is due for
/// that node's very next claim (two clocks a fraction of a millisecond apart would leave it to the next poll). A
/// <see cref="TimeProvider"/> of the application's own (a test's manual clock) is used as given.
/// </summary>
internal sealed class ProcessClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public static ProcessClock Create(IServiceProvider services)
    {
        var time = services.GetRequiredService<TimeProvider>();
        if (services.GetRequiredService<IJobStore>() is IStoreClock clock && ReferenceEquals(time, TimeProvider.System))
        {
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Conveyor.JobServer") ?? NullLogger.Instance;
            return new ProcessClock(new StoreTime(time, clock, logger));
        }
        return new ProcessClock(time);
    }
}
