namespace Conveyor.Storage;

/// <summary>One heartbeat of a node: extend the leases of the jobs it runs.</summary>
public sealed record ExtendLeasesParams(string NodeName, IReadOnlyList<long> JobIds, DateTimeOffset Now, DateTimeOffset LeaseExpiresAt);

/// <summary>Progress of a running attempt (fenced by node and attempt).</summary>
public sealed record ReportProgressParams(long Id, string NodeName, int Attempt, int? Percent, string? Message);

/// <summary>Promote due <c>scheduled</c> and <c>retrying</c> jobs.</summary>
public sealed record PromoteDueJobsParams(DateTimeOffset Now, int Limit = 10_000);

/// <summary>Rescue running jobs whose lease ran out before <paramref name="Now"/>.</summary>
/// <param name="Now">The rescue's time: leases that ran out before it are lost.</param>
/// <param name="Limit">At most this many jobs.</param>
/// <param name="MaxLostLeases">
/// A job whose lease-expired errors, counting the one this rescue adds, reach this many is <c>dead</c> (at least 1;
/// see <see cref="WorkerOptions.MaxLostLeases"/>).
/// </param>
/// <param name="SuspectSpread">
/// A job put back one lost lease short of <paramref name="MaxLostLeases"/> is made <c>retrying</c> at a random time
/// within this spread after <paramref name="Now"/> instead of <c>available</c> at once, so that its last run does not
/// start beside the jobs that shared its node's crashes (a poison job would bury them with it). Zero: at once.
/// </param>
public sealed record RescueExpiredLeasesParams(DateTimeOffset Now, int Limit = 10_000, int MaxLostLeases = WorkerOptions.DefaultMaxLostLeases,
    TimeSpan SuspectSpread = default);

/// <summary>A job put back (or buried) because its lease ran out.</summary>
/// <param name="Id">The job.</param>
/// <param name="Node">The node that lost it.</param>
/// <param name="State"><see cref="JobState.Available"/> or <see cref="JobState.Dead"/>.</param>
public sealed record RescuedJob(long Id, string? Node, JobState State);

/// <summary>Delete final jobs that finished before the cut-off of their state.</summary>
public sealed record PruneJobsParams(DateTimeOffset SucceededBefore, DateTimeOffset DeadBefore, DateTimeOffset CancelledBefore, int Limit = 10_000);
