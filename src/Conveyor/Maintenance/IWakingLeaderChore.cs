namespace Conveyor.Maintenance;

/// <summary>
/// A leader chore with work due at known instants (cron ticks): the leader wakes for it at <see cref="NextDueAt"/> when
/// that comes before its next maintenance tick, so an every-second schedule does not wait for a slow maintenance interval.
/// </summary>
internal interface IWakingLeaderChore : ILeaderChore
{
    /// <summary>When the chore next has work, as of its last run; null when it does not know (the maintenance interval applies).</summary>
    DateTimeOffset? NextDueAt { get; }
}
