using Conveyor.Storage;

namespace Conveyor.Postgres.Tests;

internal static class Jobs
{
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static NewJob New(string queue = "default", string kind = "test.job", string args = "{}", string? uniqueKey = null, string? orderingKey = null, long? after = null) => new()
    {
        Kind = kind,
        Queue = queue,
        ArgsJson = args,
        MaxAttempts = 3,
        State = JobState.Available,
        RunAt = T0,
        UniqueKey = uniqueKey,
        OrderingKey = orderingKey,
        AfterJobId = after,
    };

    public static Task<IReadOnlyList<InsertedJob>> InsertAsync(this IJobStore store, params NewJob[] jobs) =>
        store.InsertManyAsync(new InsertJobsParams(jobs, T0));

    public static Task<ClaimedJobs> ClaimAsync(this IJobStore store, string queue = "default", int limit = 100, string node = "node-1") =>
        store.ClaimAsync(new ClaimJobsParams(node, queue, ["test.job", "other.job"], limit, T0.AddSeconds(1), T0.AddSeconds(31)));
}
