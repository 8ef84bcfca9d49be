using Conveyor.Storage;

namespace Conveyor;

/// <summary>What the cluster finished over a recent window, bucket by bucket (see <see cref="JobMonitor.GetActivityAsync"/>).</summary>
/// <param name="Since">The start of the first bucket.</param>
/// <param name="Bucket">The width of each bucket.</param>
/// <param name="Buckets">Every bucket of the window in time order, empty ones included; the last one holds now.</param>
public sealed record JobActivity(DateTimeOffset Since, TimeSpan Bucket, IReadOnlyList<ActivityBucket> Buckets);
