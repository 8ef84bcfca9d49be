using Conveyor.Storage;

namespace Conveyor.Sqlite.Tests;

/// <summary>Jobs and times for the SQLite tests.</summary>
internal static class Jobs
{
    public const string Kind = "test.job";
    public const string Queue = "default";
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static NewJob New(string queue = Queue, JobState state = JobState.Available, long? after = null, string argsJson = "{}") => new()
    {
        Kind = Kind,
        Queue = queue,
        ArgsJson = argsJson,
        MaxAttempts = 3,
        State = state,
        RunAt = T0,
        AfterJobId = after,
    };

    public static InsertJobsParams Insert(params NewJob[] jobs) => new(jobs, T0);

    public static ClaimJobsParams Claim(string node, int limit, string queue = Queue) =>
        new(node, queue, [Kind], limit, T0, T0.AddSeconds(30));

    /// <summary>Whether the batch triggers exist in the file.</summary>
    public static bool BatchTriggersPresent(Connections.SqliteSession session) => Conveyor.Sqlite.Jobs.BatchTriggers.Present(session);
}
