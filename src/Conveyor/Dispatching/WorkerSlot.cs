namespace Conveyor.Dispatching;

/// <summary>One worker of a dispatcher: the loop that takes claimed jobs and runs them one at a time.</summary>
internal sealed class WorkerSlot
{
    /// <summary>The worker's loop; handed to <see cref="AbandonedHandlers"/> when its handler is abandoned.</summary>
    public Task Loop { get; set; } = Task.CompletedTask;
}
