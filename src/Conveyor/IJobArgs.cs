namespace Conveyor;

/// <summary>
/// The arguments of a typed job. <see cref="Kind"/> is the stable name stored with the job, so
/// renaming the CLR type never breaks jobs already queued.
/// </summary>
public interface IJobArgs
{
    /// <summary>The kind under which jobs with these arguments are stored and handled.</summary>
    static abstract string Kind { get; }
}
