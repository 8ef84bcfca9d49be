namespace Conveyor.Maintenance;

/// <summary>
/// One task the leader runs at each maintenance tick, on its own: a chore that fails is logged and tried again at the
/// next tick without holding up the others. Every chore is idempotent, so a brief overlap of two leaders during a
/// hand-over does no harm. Recurring schedules (<see cref="FireRecurringJobsChore"/>) and batch deadlines are chores of their own.
/// </summary>
internal interface ILeaderChore
{
    /// <summary>What the chore does, for the log.</summary>
    string Name { get; }

    /// <summary>Does the chore's work due at <paramref name="now"/>.</summary>
    Task RunAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
