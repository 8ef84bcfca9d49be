namespace Conveyor.Storage;

/// <summary>What happened to one attempt.</summary>
public enum JobOutcome
{
    /// <summary>→ <c>succeeded</c>: finished_at = now, result stored, lease and node kept for history.</summary>
    Succeeded,
    /// <summary>→ <c>retrying</c> with run_at = <see cref="JobCompletion.RetryAt"/> (now when null); the error is appended;
    /// finished_at stays null; the node is kept. Only <see cref="IJobExecutionStore.PromoteDueJobsAsync"/> makes it available again.</summary>
    Retry,
    /// <summary>→ <c>dead</c>: finished_at = now; the error is appended; the node is kept; jobs waiting on it are cancelled.</summary>
    Dead,
    /// <summary>
    /// → <c>available</c> again with the attempt given back (attempt − 1), node, started_at, lease and progress cleared: the
    /// node stopped before the handler finished, or put the job back unstarted. With <see cref="JobCompletion.RetryAt"/>,
    /// run_at becomes that time (claims skip the job until then); without, run_at is unchanged.
    /// </summary>
    Released,
}

/// <summary>The outcome of one attempt.</summary>
/// <param name="Id">The job.</param>
/// <param name="Attempt">The attempt that ran (the fence).</param>
/// <param name="Outcome">What to do with the job.</param>
/// <param name="ResultJson">The handler's result (JSON text) for <see cref="JobOutcome.Succeeded"/>.</param>
/// <param name="Error">The failure for <see cref="JobOutcome.Retry"/> and <see cref="JobOutcome.Dead"/>.</param>
/// <param name="RetryAt">When to run again, for <see cref="JobOutcome.Retry"/> and <see cref="JobOutcome.Released"/>.</param>
/// <param name="StartedAt">
/// When the handler started, for <see cref="JobOutcome.Succeeded"/>, <see cref="JobOutcome.Retry"/> and
/// <see cref="JobOutcome.Dead"/>, when it started noticeably later than the claim (a prefetched job): it replaces
/// started_at. Null keeps the claim's time.
/// </param>
public sealed record JobCompletion(long Id, int Attempt, JobOutcome Outcome, string? ResultJson = null, JobError? Error = null, DateTimeOffset? RetryAt = null,
    DateTimeOffset? StartedAt = null);

/// <summary>Finished attempts of one node, applied in one round trip.</summary>
public sealed record CompleteJobsParams(string NodeName, IReadOnlyList<JobCompletion> Completions, DateTimeOffset Now);
