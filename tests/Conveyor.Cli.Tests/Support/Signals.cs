using System.Runtime.InteropServices;

namespace Conveyor.Cli.Tests.Support;

/// <summary>POSIX signals for child processes (<see cref="System.Diagnostics.Process.Kill()"/> is SIGKILL, not a graceful stop).</summary>
internal static class Signals
{
    public const int SIGTERM = 15;
    public const int SIGINT = 2;
    public const int SIGKILL = 9;

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
