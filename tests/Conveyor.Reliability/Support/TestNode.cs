using System.Diagnostics;
using System.Reflection;

namespace Conveyor.Reliability.Support;

/// <summary>Starts the test node program (tests/Conveyor.Reliability.Node) as a child process.</summary>
public static class TestNode
{
    /// <summary>The node program's dll in its own build output.</summary>
    public static string DllPath { get; } = typeof(TestNode).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ReliabilityNodePath").Value!;

    /// <summary>The node's timing options for <paramref name="timings"/> (whole milliseconds).</summary>
    public static IReadOnlyList<string> Arguments(ClusterTimings timings) =>
    [
        "--lease", Ms(timings.Lease), "--heartbeat", Ms(timings.Heartbeat), "--leader-lease", Ms(timings.LeaderLease),
        "--maintenance", Ms(timings.Maintenance),
    ];

    /// <summary>A start description for the node program; <paramref name="environment"/> is added to the child's environment.</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(DllPath)) throw new InvalidOperationException($"the test node is not built: {DllPath} is missing");
        var start = ConveyorCli.DotnetStartInfo(DllPath, workingDirectory, args);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return start;
    }

    /// <summary>Starts a node on <paramref name="store"/> and waits for its start line.</summary>
    public static async Task<WorkerProcess> StartAsync(string store, string workingDirectory, string name, ClusterTimings timings,
        IEnumerable<string>? args = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var node = WorkerProcess.Start(StartInfo(workingDirectory, ["--store", store, "--name", name, .. Arguments(timings), .. args ?? []], environment));
        try
        {
            await node.WaitForOutputAsync($"test node {name} started", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    private static string Ms(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
