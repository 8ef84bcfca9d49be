namespace Conveyor.Storage;

/// <summary>What <see cref="JobLifecycle.DecideRetry"/> decided.</summary>
/// <param name="Refusal">The answer to give, unchanged job included, when the retry is refused; null when it goes ahead.</param>
/// <param name="State">The state the job gets when it goes ahead: <c>available</c>, or <c>waiting</c> when the job it waits for has not ended.</param>
public readonly record struct RetryDecision(JobChangeResult? Refusal, JobState State);
