using System.Globalization;
using Npgsql;

namespace Conveyor.Bench;

/// <summary>
/// The CPU time of a PostgreSQL server on this machine, read from <c>/proc</c>: the postmaster and every process it
/// started (backends, WAL writer, checkpointer, autovacuum). A backend that ended is counted through the postmaster's
/// reaped-children time, so a reading never goes back when sessions close.
/// </summary>
/// <remarks>
/// The postmaster is found as the parent of the bench's own backend (<c>pg_backend_pid()</c>), and both must be named
/// <c>postgres</c>: a pid from a server in another container or on another machine would name some other process here.
/// </remarks>
internal sealed class LocalPostgresCpuMeter : IServerCpuMeter
{
    // /proc reports times in USER_HZ, which Linux fixes at 100 for user space on every architecture .NET runs on.
    private const long TicksPerSecond = 100;

    private readonly int _postmaster;

    private LocalPostgresCpuMeter(int postmaster) => _postmaster = postmaster;

    /// <summary>A meter for the server behind <paramref name="dataSource"/>, or null when its processes cannot be read here.</summary>
    public static async Task<LocalPostgresCpuMeter?> TryCreateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux()) return null;
        await using var command = dataSource.CreateCommand("SELECT pg_backend_pid()");
        var backend = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        if (ReadStat(backend) is not { Name: "postgres" } stat) return null;
        if (ReadStat(stat.Parent) is not { Name: "postgres" }) return null;
        return new LocalPostgresCpuMeter(stat.Parent);
    }

    /// <inheritdoc />
    public TimeSpan Read()
    {
        long ticks = 0;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == _postmaster)
            {
                if (ReadStat(pid) is { } own) ticks += own.Own + own.ReapedChildren;
            }
            else if (ReadStat(pid) is { } stat && stat.Parent == _postmaster)
            {
                ticks += stat.Own;
            }
        }
        return TimeSpan.FromSeconds((double)ticks / TicksPerSecond);
    }

    /// <summary>What <c>/proc/PID/stat</c> says of a process; null when it ended or cannot be read.</summary>
    private static ProcessStat? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (name) state ppid …": the name may hold spaces and parentheses, so fields are counted from the last ')'.
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open) return null;
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 15) return null;
        return new ProcessStat(
            text[(open + 1)..close],
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture),
            long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture));
    }

    /// <param name="Name">The process's name.</param>
    /// <param name="Parent">Its parent's pid.</param>
    /// <param name="Own">Its own user and system time, in ticks.</param>
    /// <param name="ReapedChildren">The user and system time of its children that ended and were waited for, in ticks.</param>
    private sealed record ProcessStat(string Name, int Parent, long Own, long ReapedChildren);
}
