using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Cli.Config;

/// <summary>
/// Sets the limits of the config file's queues in the store when the node starts. Registered before the node, so the
/// host starts it first: the node's first claim already sees the limits.
/// </summary>
internal sealed class QueueLimitsAtStart(JobMonitor monitor, ILogger<QueueLimitsAtStart> logger, IReadOnlyDictionary<string, QueueLimits> limits) : IHostedService
{
    /// <summary>Registers the service when <paramref name="limits"/> names any queue.</summary>
    public static void Add(IServiceCollection services, IReadOnlyDictionary<string, QueueLimits>? limits)
    {
        if (limits is null || limits.Count == 0) return;
        services.AddSingleton<IHostedService>(sp => new QueueLimitsAtStart(
            sp.GetRequiredService<JobMonitor>(), sp.GetRequiredService<ILogger<QueueLimitsAtStart>>(), limits));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (queue, queueLimits) in limits)
        {
            await monitor.SetQueueLimitsAsync(queue, queueLimits, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Queue {Queue} limits from the config file: {Limits}", queue, Output.HumanOutput.Limits(queueLimits));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
