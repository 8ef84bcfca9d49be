namespace Conveyor.Reliability.Support;

/// <summary>Child processes one test started besides its cluster's CLI workers; disposing kills those still running.</summary>
public sealed class ProcessGroup : IAsyncDisposable
{
    private readonly List<WorkerProcess> _processes = [];

    public WorkerProcess Add(WorkerProcess process)
    {
        lock (_processes) _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        WorkerProcess[] all;
        lock (_processes) all = [.. _processes];
        foreach (var process in all) await process.DisposeAsync();
    }
}
