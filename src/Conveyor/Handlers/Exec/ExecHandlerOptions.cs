namespace Conveyor;

/// <summary>
/// An exec handler: the program that runs each job of a kind, as a child process started directly (never through a
/// shell). Each argument is a template: <c>{field}</c> is replaced by that top-level field of the job's args (a string
/// as is, a number or boolean as its JSON text), and however the value reads, the template stays exactly one argument;
/// <c>{{</c> and <c>}}</c> are literal braces. The job's args JSON (and a newline) is written to the program's stdin.
/// Exit code 0 is success, with stdout as the result; any other code is a failure whose message is the exit code
/// and the last <see cref="ErrorTailBytes"/> of stderr. A job can never choose the program or add arguments.
/// </summary>
public sealed record ExecHandlerOptions
{
    /// <summary>The most stdout a job may write: 64 KiB. More fails the attempt (and kills the process tree).</summary>
    public const int MaxResultBytes = 64 * 1024;

    /// <summary>How much of the end of stderr becomes the error message of a failed attempt: 4 KiB.</summary>
    public const int ErrorTailBytes = 4 * 1024;

    /// <summary>The program: an absolute path, or a bare name looked up on the node's PATH.</summary>
    public required string Command { get; init; }

    /// <summary>The argument templates, one argument each.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>
    /// How long the program may run before its whole process tree is killed and the attempt fails (retried like any
    /// failure); null for no limit of its own (the job's timeout still applies).
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The program's working directory; null for the node's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// Variables added to (or replacing in) the environment the program inherits from the node. The program also gets
    /// <c>CONVEYOR_JOB_ID</c>, <c>CONVEYOR_JOB_KIND</c> and <c>CONVEYOR_JOB_ATTEMPT</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}
