namespace Conveyor.Web.Api.Schema;

/// <summary>Jobs that ended per minute over the last hour, every minute listed (the last one is the current minute). Describes the wire shape in the OpenAPI document.</summary>
internal sealed record Activity(DateTimeOffset Since, int BucketSeconds, IReadOnlyList<ActivityBucket> Buckets);
