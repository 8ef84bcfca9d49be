using System.Diagnostics;

namespace Conveyor.Bench;

/// <summary>
/// The CPU time a measure used: the node's (this process, with the bench's callers and for SQLite and memory the
/// store too; or the node processes of <c>--nodes</c>) and, when the store has a meter, its server's. Read outside
/// the timed window: reading the server's processes walks <c>/proc</c>.
/// </summary>
internal readonly struct CpuWindow
{
    private readonly Func<TimeSpan> _nodes;
    private readonly TimeSpan _nodesBefore;
    private readonly TimeSpan? _server;
    private readonly IServerCpuMeter? _meter;

    private CpuWindow(Func<TimeSpan> nodes, IServerCpuMeter? meter)
    {
        _nodes = nodes;
        _nodesBefore = nodes();
        _meter = meter;
        _server = meter?.Read();
    }

    /// <summary>Starts counting: this process's CPU time and the server's, now.</summary>
    public static CpuWindow Start(BenchStore bench) => new(ProcessCpu, bench.ServerCpu);

    /// <summary>Starts counting: the CPU time of <paramref name="nodes"/> and the server's, now.</summary>
    public static CpuWindow Start(BenchStore bench, IBenchNodes nodes) => new(nodes.ProcessorTime, bench.ServerCpu);

    /// <summary>Microseconds of CPU per job since the start: the node's, then the server's (null without a meter).</summary>
    public (double Process, double? Server) PerJob(int jobs)
    {
        var process = Micros(_nodes() - _nodesBefore, jobs);
        double? server = _server is { } before ? Micros(_meter!.Read() - before, jobs) : null;
        return (process, server);
    }

    private static double Micros(TimeSpan cpu, int jobs) => Math.Round(cpu.TotalMicroseconds / Math.Max(1, jobs), 1);

    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
