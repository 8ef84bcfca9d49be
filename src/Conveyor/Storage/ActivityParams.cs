namespace Conveyor.Storage;

/// <summary>What the cluster finished between <paramref name="Since"/> and <paramref name="Until"/>, in buckets of <paramref name="Bucket"/>.</summary>
/// <param name="Since">The start of the first bucket (inclusive).</param>
/// <param name="Until">The end of the window (exclusive).</param>
/// <param name="Bucket">The width of each bucket (at least one second); bucket <c>i</c> starts at <c>Since + i × Bucket</c>.</param>
public sealed record GetActivityParams(DateTimeOffset Since, DateTimeOffset Until, TimeSpan Bucket);

/// <summary>The jobs that ended (succeeded or dead) within one bucket of time.</summary>
/// <param name="Start">The start of the bucket.</param>
/// <param name="Succeeded">Jobs that succeeded in the bucket.</param>
/// <param name="Dead">Jobs that ended dead in the bucket.</param>
/// <param name="FailedAttempts">The failed attempts of those jobs: every attempt of a dead job, every attempt but the last of a succeeded one.</param>
/// <param name="MeanWait">The mean queue wait of those jobs' last attempts (<c>started_at − run_at</c>); null when none started.</param>
/// <param name="MaxWait">The longest of those waits; null when none started.</param>
public sealed record ActivityBucket(DateTimeOffset Start, long Succeeded, long Dead, long FailedAttempts, TimeSpan? MeanWait, TimeSpan? MaxWait);
