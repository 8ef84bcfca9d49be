using System.Diagnostics;

namespace Conveyor.Bench;

/// <summary>
/// The CPU time a measure used: this process's (the node and the bench's callers, and for SQLite and memory the
/// store too) and, when the store has a meter, its server's. Read outside the timed window: reading the
/// server's processes walks <c>/proc</c>.
/// </summary>
internal readonly struct CpuWindow
{
    private readonly TimeSpan _process;
    private readonly TimeSpan? _server;
    private readonly IServerCpuMeter? _meter;

    private CpuWindow(TimeSpan process, IServerCpuMeter? meter)
    {
        _process = process;
        _meter = meter;
        _server = meter?.Read();
    }

    /// <summary>Starts counting: this process's CPU time and the server's, now.</summary>
    public static CpuWindow Start(BenchStore bench) => new(ProcessCpu(), bench.ServerCpu);

    /// <summary>Microseconds of CPU per job since <see cref="Start"/>: this process's, then the server's (null without a meter).</summary>
    public (double Process, double? Server) PerJob(int jobs)
    {
        var process = Micros(ProcessCpu() - _process, jobs);
        double? server = _meter is not null && _server is { } before ? Micros(_meter.Read() - before, jobs) : null;
        return (process, server);
    }

    private static double Micros(TimeSpan cpu, int jobs) => Math.Round(cpu.TotalMicroseconds / Math.Max(1, jobs), 1);

    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
