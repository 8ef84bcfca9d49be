namespace Conveyor;

/// <summary>One failed attempt of a job, as kept in its error history.</summary>
/// <param name="Attempt">The attempt that failed (1-based).</param>
/// <param name="At">When the failure was recorded (UTC).</param>
/// <param name="Type">The exception type's full name, or a Conveyor marker such as <c>Conveyor.LeaseExpired</c>.</param>
/// <param name="Message">The error message.</param>
/// <param name="Stack">The stack trace, when there is one.</param>
public sealed record JobError(int Attempt, DateTimeOffset At, string Type, string Message, string? Stack = null)
{
    /// <summary>The <see cref="Type"/> recorded when a lease ran out because its node was lost.</summary>
    public const string LeaseExpiredType = "Conveyor.LeaseExpired";

    /// <summary>The <see cref="Type"/> recorded on a job cancelled because the job it waited for did not succeed.</summary>
    public const string DependencyFailedType = "Conveyor.DependencyFailed";

    /// <summary>The error a store records when it rescues a job whose node stopped renewing its lease.</summary>
    public static JobError LeaseExpired(int attempt, DateTimeOffset at, string? node) =>
        new(attempt, at, LeaseExpiredType, $"lease expired (node {node ?? "unknown"} lost)");

    /// <summary>
    /// The error a store records on a job it cancels because the job it waited for (<paramref name="parentId"/>) ended
    /// <paramref name="parentState"/> (<c>dead</c> or <c>cancelled</c>; a deleted parent counts as cancelled).
    /// </summary>
    public static JobError DependencyFailed(int attempt, DateTimeOffset at, long parentId, JobState parentState) =>
        new(attempt, at, DependencyFailedType,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"job {parentId} it waited for ended {parentState.ToWireName()}"));
}
