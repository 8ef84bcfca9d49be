using Conveyor.Serialization;
using Conveyor.Sqlite.Connections;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Jobs;

/// <summary>The mapping between <c>conveyor_jobs</c> rows and the read model.</summary>
internal static class JobRows
{
    /// <summary>The columns <see cref="ReadJob"/> expects, in its order.</summary>
    public const string Columns = """
        id, kind, queue, state, args, priority, attempt, max_attempts, run_at, created_at, started_at,
        finished_at, timeout_us, ordering_key, unique_key, affinity_key, after_job_id, batch_id, node,
        lease_expires_at, progress_percent, progress_message, result, errors
        """;

    /// <summary>The states that are not final, as an SQL list.</summary>
    public const string NonFinalStates = "('scheduled', 'waiting', 'available', 'running', 'retrying')";

    public static JobInfo ReadJob(SqliteDataReader r)
    {
        var percent = r.GetNullableInt64(20);
        var message = r.GetNullableString(21);
        return new JobInfo
        {
            Id = r.GetInt64(0),
            Kind = r.GetString(1),
            Queue = r.GetString(2),
            State = ParseState(r.GetString(3)),
            ArgsJson = r.GetString(4),
            Priority = r.GetInt32(5),
            Attempt = r.GetInt32(6),
            MaxAttempts = r.GetInt32(7),
            RunAt = UnixMicros.ToTime(r.GetInt64(8)),
            CreatedAt = UnixMicros.ToTime(r.GetInt64(9)),
            StartedAt = ToTime(r.GetNullableInt64(10)),
            FinishedAt = ToTime(r.GetNullableInt64(11)),
            Timeout = r.GetNullableInt64(12) is { } timeout ? UnixMicros.ToSpan(timeout) : null,
            OrderingKey = r.GetNullableString(13),
            UniqueKey = r.GetNullableString(14),
            AffinityKey = r.GetNullableString(15),
            AfterJobId = r.GetNullableInt64(16),
            BatchId = r.GetNullableInt64(17),
            Node = r.GetNullableString(18),
            LeaseExpiresAt = ToTime(r.GetNullableInt64(19)),
            Progress = percent is null && message is null ? null : new JobProgress((int?)percent, message),
            ResultJson = r.GetNullableString(22),
            Errors = JobErrorJson.Parse(r.GetString(23)),
        };
    }

    /// <summary>The job with this id, or null; runs on any session.</summary>
    public static JobInfo? Find(SqliteSession session, long id)
    {
        using var reader = session.Command($"SELECT {Columns} FROM conveyor_jobs WHERE id = $id").Bind("$id", id).ExecuteReader();
        return reader.Read() ? ReadJob(reader) : null;
    }

    public static JobState ParseState(string name) =>
        JobStates.TryParse(name, out var state) ? state : throw new InvalidOperationException($"unknown job state '{name}' in conveyor_jobs");

    private static DateTimeOffset? ToTime(long? micros) => micros is { } m ? UnixMicros.ToTime(m) : null;
}
