namespace Conveyor.Bench;

/// <summary>Node processes started for the scale-out measure; disposing them stops them.</summary>
public interface IBenchNodes : IAsyncDisposable
{
    /// <summary>The CPU time (user and system) the node processes have used so far, all of them together.</summary>
    TimeSpan ProcessorTime();
}
