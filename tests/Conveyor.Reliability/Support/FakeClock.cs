namespace Conveyor.Reliability.Support;

/// <summary>libfaketime (Debian's <c>faketime</c> package) for a child process: its wall clock shifted, its monotonic clock not.</summary>
public static class FakeClock
{
    private static readonly string Library = Directory.Exists("/usr/lib")
        ? Directory.EnumerateDirectories("/usr/lib").Select(d => Path.Combine(d, "faketime", "libfaketime.so.1")).FirstOrDefault(File.Exists)
            ?? "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
        : "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

    /// <summary>Why the scenario cannot run here, or null when libfaketime is installed.</summary>
    public static string? Missing => File.Exists(Library) ? null : $"libfaketime is not installed ({Library}): apt-get install faketime (scripts/test.sh does)";

    /// <summary>The environment that shifts a process's clock by <paramref name="offset"/> (e.g. <c>+10m</c>, <c>-10m</c>).</summary>
    public static IReadOnlyDictionary<string, string> Shifted(string offset) => new Dictionary<string, string>
    {
        ["LD_PRELOAD"] = Library,
        ["FAKETIME"] = offset,
        // Timers, timeouts and Stopwatch run on the monotonic clock: shifting it too would only freeze them.
        ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        ["DONT_FAKE_MONOTONIC"] = "1",
        // Without this, libfaketime rewrites the deadline of every timed wait on a monotonic condition variable as if it
        // were wall-clock time: .NET's timer and finalizer threads then wake at once, again and again, and an idle node
        // burns most of a core (seen: 55-77 % CPU; on a loaded 2-core machine its store calls timed out).
        ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0",
    };
}
