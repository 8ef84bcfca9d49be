namespace Conveyor.Cli.Soak;

/// <summary>One soak run's settings (from the command line) and the node timings its workers run with.</summary>
internal sealed record SoakSettings
{
    public required TimeSpan Duration { get; init; }
    public required int Workers { get; init; }
    public required int Concurrency { get; init; }
    public required double JobsPerSecond { get; init; }
    public required TimeSpan KillEvery { get; init; }
    public TimeSpan? PostgresRestartEvery { get; init; }
    public string? PostgresRestartCommand { get; init; }
    public required int Seed { get; init; }

    /// <summary>Names this run's queue and keys, so that runs on one store never see each other's jobs.</summary>
    public required string RunId { get; init; }

    public string Queue => "soak-" + RunId;

    /// <summary>Short timings, so a killed worker's jobs come back within seconds (passed to every worker).</summary>
    public TimeSpan LeaseDuration { get; } = TimeSpan.FromSeconds(5);
    public TimeSpan HeartbeatInterval { get; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaintenanceInterval { get; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan LeaderLeaseDuration { get; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The longest a job may stay <c>running</c> past its lease: a killed leader is replaced within its leader lease, and
    /// the new one rescues within a maintenance interval; two more seconds for a busy machine.
    /// </summary>
    public TimeSpan RescueBound => LeaderLeaseDuration + MaintenanceInterval + TimeSpan.FromSeconds(2);
}
