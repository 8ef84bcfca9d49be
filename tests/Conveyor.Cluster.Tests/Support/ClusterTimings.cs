namespace Conveyor.Cluster.Tests.Support;

/// <summary>
/// The timings the cluster tests give their nodes: shorter than the defaults for users (lease 30 s,
/// heartbeat 5 s, leader lease 10 s) so that dying nodes are noticed within a test's patience, in the same
/// proportions. Each test writes them into its output.
/// </summary>
public sealed record ClusterTimings(TimeSpan Lease, TimeSpan Heartbeat, TimeSpan LeaderLease, TimeSpan Maintenance)
{
    public static ClusterTimings Short { get; } = new(
        Lease: TimeSpan.FromSeconds(5),
        Heartbeat: TimeSpan.FromSeconds(1),
        LeaderLease: TimeSpan.FromSeconds(3),
        Maintenance: TimeSpan.FromMilliseconds(500));

    public IReadOnlyList<string> Arguments =>
    [
        "--lease-duration", Ms(Lease), "--heartbeat-interval", Ms(Heartbeat), "--leader-lease-duration", Ms(LeaderLease),
        "--maintenance-interval", Ms(Maintenance),
    ];

    public override string ToString() =>
        $"lease {Lease.TotalSeconds}s, heartbeat {Heartbeat.TotalSeconds}s, leader lease {LeaderLease.TotalSeconds}s, maintenance every {Maintenance.TotalMilliseconds}ms";

    private static string Ms(TimeSpan value) => $"{(long)value.TotalMilliseconds}ms";
}
