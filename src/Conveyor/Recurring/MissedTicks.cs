namespace Conveyor;

/// <summary>What a recurring schedule does with ticks missed while no leader ran (a tick found more than <see cref="RecurringJob.MissedAfter"/> late).</summary>
public enum MissedTicks
{
    /// <summary>Enqueue one job for the whole missed stretch (for its latest tick), then go on from now. The default.</summary>
    CatchUp,

    /// <summary>Enqueue nothing for the missed stretch; go on from now.</summary>
    Skip,
}
