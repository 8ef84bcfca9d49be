using Conveyor.Serialization;
using Npgsql;

namespace Conveyor.Postgres.Jobs;

/// <summary>The mapping between <c>jobs</c> rows and the read model.</summary>
internal static class JobRows
{
    /// <summary>The columns <see cref="ReadJob"/> expects, in its order.</summary>
    public const string Columns = """
        id, kind, queue, state, args, priority, attempt, max_attempts, run_at, created_at, started_at,
        finished_at, timeout, ordering_key, unique_key, affinity_key, after_job_id, batch_id, node,
        lease_expires_at, progress_percent, progress_message, result, errors
        """;

    public static JobInfo ReadJob(NpgsqlDataReader r)
    {
        int? percent = r.IsDBNull(20) ? null : r.GetInt32(20);
        var message = r.IsDBNull(21) ? null : r.GetString(21);
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
            RunAt = Time(r, 8),
            CreatedAt = Time(r, 9),
            StartedAt = NullableTime(r, 10),
            FinishedAt = NullableTime(r, 11),
            Timeout = r.IsDBNull(12) ? null : r.GetFieldValue<TimeSpan>(12),
            OrderingKey = NullableString(r, 13),
            UniqueKey = NullableString(r, 14),
            AffinityKey = NullableString(r, 15),
            AfterJobId = r.IsDBNull(16) ? null : r.GetInt64(16),
            BatchId = r.IsDBNull(17) ? null : r.GetInt64(17),
            Node = NullableString(r, 18),
            LeaseExpiresAt = NullableTime(r, 19),
            Progress = percent is null && message is null ? null : new JobProgress(percent, message),
            ResultJson = NullableString(r, 22),
            Errors = JobErrorJson.Parse(r.GetString(23)),
        };
    }

    public static DateTimeOffset Time(NpgsqlDataReader r, int ordinal) =>
        new(DateTime.SpecifyKind(r.GetFieldValue<DateTime>(ordinal), DateTimeKind.Utc));

    public static DateTimeOffset? NullableTime(NpgsqlDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : Time(r, ordinal);

    public static string? NullableString(NpgsqlDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    public static JobState ParseState(string name) =>
        JobStates.TryParse(name, out var state) ? state : throw new InvalidOperationException($"unknown job state '{name}' in the jobs table");
}
