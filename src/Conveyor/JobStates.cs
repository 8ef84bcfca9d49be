namespace Conveyor;

/// <summary>Helpers for <see cref="JobState"/>: the wire names and which states are final.</summary>
public static class JobStates
{
    /// <summary>Every state, in the order of the life cycle.</summary>
    public static IReadOnlyList<JobState> All { get; } =
        [JobState.Scheduled, JobState.Waiting, JobState.Available, JobState.Running, JobState.Retrying,
         JobState.Succeeded, JobState.Dead, JobState.Cancelled];

    /// <summary>True for <c>succeeded</c>, <c>dead</c> and <c>cancelled</c>.</summary>
    public static bool IsFinal(this JobState state) =>
        state is JobState.Succeeded or JobState.Dead or JobState.Cancelled;

    /// <summary>The lower-case name used in JSON, the CLI and the stores (<c>available</c>, …).</summary>
    public static string ToWireName(this JobState state) => state switch
    {
        JobState.Scheduled => "scheduled",
        JobState.Available => "available",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Retrying => "retrying",
        JobState.Dead => "dead",
        JobState.Cancelled => "cancelled",
        JobState.Waiting => "waiting",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown job state"),
    };

    /// <summary>Parses a wire name; returns false for anything else (case-sensitive on purpose).</summary>
    public static bool TryParse(string? name, out JobState state)
    {
        switch (name)
        {
            case "scheduled": state = JobState.Scheduled; return true;
            case "available": state = JobState.Available; return true;
            case "running": state = JobState.Running; return true;
            case "succeeded": state = JobState.Succeeded; return true;
            case "retrying": state = JobState.Retrying; return true;
            case "dead": state = JobState.Dead; return true;
            case "cancelled": state = JobState.Cancelled; return true;
            case "waiting": state = JobState.Waiting; return true;
            default: state = default; return false;
        }
    }
}
