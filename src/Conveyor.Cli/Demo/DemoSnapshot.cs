namespace Conveyor.Cli.Demo;

/// <summary>What the demo's view shows at one moment.</summary>
/// <param name="Elapsed">Time since the demo started.</param>
/// <param name="Counts">Jobs per state over the demo's queues.</param>
/// <param name="Running">Some of the jobs running now, with their progress.</param>
/// <param name="Events">The latest outcomes, oldest first.</param>
/// <param name="Stopping">True once the demo stopped enqueuing and is draining the node.</param>
internal sealed record DemoSnapshot(
    TimeSpan Elapsed,
    IReadOnlyDictionary<JobState, long> Counts,
    IReadOnlyList<JobInfo> Running,
    IReadOnlyList<DemoEvents.DemoEvent> Events,
    bool Stopping);
