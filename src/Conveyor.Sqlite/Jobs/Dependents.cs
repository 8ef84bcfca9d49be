using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Sqlite.Connections;

namespace Conveyor.Sqlite.Jobs;

/// <summary>Jobs held in <c>waiting</c> by <c>after</c>: released when their job succeeds, cancelled when it does not.</summary>
internal static class Dependents
{
    // Answered from the (usually empty) partial index conveyor_jobs_waiting, named because the planner
    // would rather scan the larger claim index: most completions have no dependents to release, and
    // this one lookup per batch spares them the search.
    internal const string AnyWaitingSql =
        "SELECT EXISTS (SELECT 1 FROM conveyor_jobs INDEXED BY conveyor_jobs_waiting WHERE state = 'waiting')";

    private const string ReleaseSql = """
        UPDATE conveyor_jobs
        SET state = CASE WHEN run_at > $now THEN 'scheduled' ELSE 'available' END
        WHERE state = 'waiting' AND after_job_id IN (SELECT value FROM json_each($ids))
        RETURNING queue, state
        """;

    // Every waiting job below the failed ones, however deep: a job cancelled here fails its own dependents.
    private const string DoomedSql = """
        WITH RECURSIVE doomed(id, attempt, parent, parent_state) AS (
            SELECT j.id, j.attempt, j.after_job_id,
                   COALESCE($parent_state, (SELECT p.state FROM conveyor_jobs AS p WHERE p.id = j.after_job_id))
            FROM json_each($ids) AS r
            JOIN conveyor_jobs AS j ON j.after_job_id = r.value
            WHERE j.state = 'waiting'
            UNION
            SELECT j.id, j.attempt, d.id, 'cancelled'
            FROM doomed AS d
            JOIN conveyor_jobs AS j ON j.after_job_id = d.id
            WHERE j.state = 'waiting'
        )
        SELECT id, attempt, parent, parent_state FROM doomed
        """;

    private const string CancelSql = """
        UPDATE conveyor_jobs AS j
        SET state = 'cancelled', finished_at = $now, errors = json_insert(j.errors, '$[#]', json(r.value ->> 1))
        FROM json_each($rows) AS r
        WHERE j.id = r.value ->> 0 AND j.state = 'waiting'
        """;

    /// <summary>Releases the jobs waiting on <paramref name="succeededIds"/>.</summary>
    public static void Release(WriteScope scope, IReadOnlyCollection<long> succeededIds, long now)
    {
        if (succeededIds.Count == 0 || !AnyWaiting(scope.Session))
            return;
        using var reader = scope.Session.Command(ReleaseSql).Bind("$now", now).Bind("$ids", JsonLists.Ids(succeededIds)).ExecuteReader();
        while (reader.Read())
        {
            if (reader.GetString(1) == "available")
                scope.JobsAvailable(reader.GetString(0));
        }
    }

    private static bool AnyWaiting(SqliteSession session)
    {
        var anyWaiting = session.Statement(AnyWaitingSql);
        try
        {
            return anyWaiting.Step() && anyWaiting.GetInt64(0) != 0;
        }
        finally
        {
            anyWaiting.Reset();
        }
    }

    /// <summary>
    /// Cancels every job waiting, directly or not, on <paramref name="failedIds"/>: jobs already dead or
    /// cancelled, or about to be deleted (then <paramref name="parentState"/> names what their dependents record).
    /// </summary>
    public static int CancelWaiting(SqliteSession session, IReadOnlyCollection<long> failedIds, DateTimeOffset now, JobState? parentState = null)
    {
        if (failedIds.Count == 0 || !AnyWaiting(session))
            return 0;
        var buffer = new ArrayBufferWriter<byte>(256);
        var count = 0;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            using (var reader = session.Command(DoomedSql)
                .Bind("$ids", JsonLists.Ids(failedIds))
                .Bind("$parent_state", parentState?.ToWireName())
                .ExecuteReader())
            {
                while (reader.Read())
                {
                    var error = JobError.DependencyFailed(reader.GetInt32(1), now, reader.GetInt64(2), JobRows.ParseState(reader.GetString(3)));
                    writer.WriteStartArray();
                    writer.WriteNumberValue(reader.GetInt64(0));
                    writer.WriteStringValue(JobErrorJson.ToJson(error));
                    writer.WriteEndArray();
                    count++;
                }
            }
            writer.WriteEndArray();
        }
        if (count == 0)
            return 0;
        return session.Command(CancelSql)
            .Bind("$now", UnixMicros.From(now))
            .Bind("$rows", Encoding.UTF8.GetString(buffer.WrittenSpan))
            .ExecuteNonQuery();
    }
}
