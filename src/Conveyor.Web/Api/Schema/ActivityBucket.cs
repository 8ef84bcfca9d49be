namespace Conveyor.Web.Api.Schema;

/// <summary>One minute: jobs that succeeded, jobs that ended dead, the failed attempts of those jobs, and their mean and longest queue wait in milliseconds (from due to start of the last attempt; null when none started). Describes the wire shape in the OpenAPI document.</summary>
internal sealed record ActivityBucket(DateTimeOffset At, long Succeeded, long Dead, long FailedAttempts, double? WaitMs, double? MaxWaitMs);
