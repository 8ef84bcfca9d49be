namespace Conveyor.Cli.Running;

/// <summary>The exit codes of the <c>conveyor</c> command.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>A well-formed command failed (one line on stderr says why).</summary>
    public const int Failed = 1;

    /// <summary>Bad usage: unknown option, bad value (one line on stderr says which).</summary>
    public const int Usage = 2;

    /// <summary>Interrupted by Ctrl+C before it finished (the shell's convention, 128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
