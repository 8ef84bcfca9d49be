using System.Collections.Concurrent;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// Handlers that ignored their cancellation past the grace period. .NET cannot stop a task from
/// outside, so the node takes the slot back, remembers the task, observes its end (so its exception
/// is never unobserved) and reports how many are still running.
/// </summary>
internal sealed class AbandonedHandlers(ILogger logger)
{
    private readonly ConcurrentDictionary<Task, long> _tasks = new();

    public int Count => _tasks.Count;

    public void Add(ClaimedJob job, Task handler)
    {
        _tasks[handler] = job.Id;
        handler.ContinueWith(t =>
        {
            _tasks.TryRemove(t, out _);
            if (t.Exception is { } e) logger.LogDebug(e, "Abandoned handler of job {JobId} ended with an error", job.Id);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
