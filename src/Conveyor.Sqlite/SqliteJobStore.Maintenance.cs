using System.Buffers;
using System.Text;
using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    private const string PromoteSql = """
        UPDATE conveyor_jobs SET state = 'available'
        WHERE id IN (
            SELECT id FROM conveyor_jobs
            WHERE state IN ('scheduled', 'retrying') AND run_at <= $now
            ORDER BY run_at, id
            LIMIT $limit)
        RETURNING queue
        """;

    // The lost leases so far are counted for the rows being rescued only (in the rescue's write transaction).
    private const string ExpiredSql = """
        SELECT id, node, attempt, max_attempts, queue, ordering_key,
               (SELECT count(*) FROM json_each(errors) AS e WHERE e.value ->> 'type' = 'Conveyor.LeaseExpired')
        FROM conveyor_jobs
        WHERE state = 'running' AND lease_expires_at < $now
        ORDER BY lease_expires_at, id
        LIMIT $limit
        """;

    private const string RescueSql = """
        UPDATE conveyor_jobs AS j
        SET state = r.value ->> 1,
            finished_at = CASE WHEN r.value ->> 1 = 'dead' THEN $now END,
            node = CASE WHEN r.value ->> 1 = 'dead' THEN j.node END,
            started_at = CASE WHEN r.value ->> 1 = 'dead' THEN j.started_at END,
            progress_percent = CASE WHEN r.value ->> 1 = 'dead' THEN j.progress_percent END,
            progress_message = CASE WHEN r.value ->> 1 = 'dead' THEN j.progress_message END,
            lease_expires_at = NULL,
            run_at = COALESCE(r.value ->> 3, j.run_at),
            errors = json_insert(j.errors, '$[#]', json(r.value ->> 2))
        FROM json_each($rows) AS r
        WHERE j.id = r.value ->> 0 AND j.state = 'running'
        """;

    // Each state's oldest candidates come from conveyor_jobs_finished in index order (no sort of the
    // whole backlog); the three short lists are merged in memory and the oldest deleted by id.
    // A succeeded job whose unique period has not ended by the cut-off still holds its key (its retention
    // counts from the end of that period): a filter on the rows the index walk visits, never a condition
    // that sends the walk elsewhere.
    private const string PruneCandidatesSql = """
        SELECT id, finished_at FROM conveyor_jobs
        WHERE state = $state AND finished_at < $before
          AND (state <> 'succeeded' OR unique_for_us IS NULL OR finished_at + unique_for_us <= $before)
        ORDER BY finished_at
        LIMIT $limit
        """;

    private const string DeleteIdsSql = "DELETE FROM conveyor_jobs WHERE id IN (SELECT value FROM json_each($ids))";

    private const string DeleteBatchesOfCallbacksSql = "DELETE FROM conveyor_batches WHERE callback_job_id IN (SELECT value FROM json_each($ids))";

    /// <inheritdoc />
    public Task<int> PromoteDueJobsAsync(PromoteDueJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        return WriteAsync(scope =>
        {
            // The leader's tick: the batch triggers go once no batch needs them (they cost every job's updates).
            BatchTriggers.DropWhenIdle(scope.Session);
            var promoted = 0;
            using var reader = scope.Session.Command(PromoteSql)
                .Bind("$now", UnixMicros.From(parameters.Now))
                .Bind("$limit", parameters.Limit)
                .ExecuteReader();
            while (reader.Read())
            {
                promoted++;
                scope.JobsAvailable(reader.GetString(0));
            }
            return promoted;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RescuedJob>> RescueExpiredLeasesAsync(RescueExpiredLeasesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.MaxLostLeases, 1, nameof(parameters.MaxLostLeases));
        return WriteAsync(scope => Rescue(scope, parameters, _suspectSpread), cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> PruneJobsAsync(PruneJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        return WriteAsync(scope =>
        {
            var candidates = new List<(long Id, long FinishedAt)>();
            AddPruneCandidates(scope.Session, candidates, JobState.Succeeded, parameters.SucceededBefore, parameters.Limit);
            AddPruneCandidates(scope.Session, candidates, JobState.Dead, parameters.DeadBefore, parameters.Limit);
            AddPruneCandidates(scope.Session, candidates, JobState.Cancelled, parameters.CancelledBefore, parameters.Limit);
            if (candidates.Count == 0)
                return 0;
            var oldest = JsonLists.Ids(candidates.OrderBy(static c => c.FinishedAt).ThenBy(static c => c.Id).Take(parameters.Limit).Select(static c => c.Id));
            var pruned = scope.Session.Command(DeleteIdsSql).Bind("$ids", oldest).ExecuteNonQuery();
            // A batch goes with its callback: once the callback is pruned nobody reads the batch any more.
            scope.Session.Command(DeleteBatchesOfCallbacksSql).Bind("$ids", oldest).ExecuteNonQuery();
            return pruned;
        }, cancellationToken);
    }

    private static void AddPruneCandidates(SqliteSession session, List<(long Id, long FinishedAt)> candidates, JobState state, DateTimeOffset before, int limit)
    {
        using var reader = session.Command(PruneCandidatesSql)
            .Bind("$state", state.ToWireName())
            .Bind("$before", UnixMicros.From(before))
            .Bind("$limit", limit)
            .ExecuteReader();
        while (reader.Read())
            candidates.Add((reader.GetInt64(0), reader.GetInt64(1)));
    }

    private readonly Random _suspectSpread = new();

    private static IReadOnlyList<RescuedJob> Rescue(WriteScope scope, RescueExpiredLeasesParams parameters, Random spread)
    {
        var session = scope.Session;
        var rescued = new List<RescuedJob>();
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            using var reader = session.Command(ExpiredSql)
                .Bind("$now", UnixMicros.From(parameters.Now))
                .Bind("$limit", parameters.Limit)
                .ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetInt64(0);
                var node = reader.GetNullableString(1);
                var attempt = reader.GetInt32(2);
                var lostLeases = reader.GetInt32(6) + 1;
                var state = JobLifecycle.RescuedState(attempt, reader.GetInt32(3), lostLeases, parameters);
                // One lost lease short of the cap: the last chance runs at a random time, apart from its crashes' company.
                long? runAt = state == JobState.Retrying ? UnixMicros.From(parameters.Now + parameters.SuspectSpread * spread.NextDouble()) : null;
                // Lost is lost: the attempt stays charged whatever happens next.
                var error = JobError.LeaseExpired(attempt, parameters.Now, node);
                writer.WriteStartArray();
                writer.WriteNumberValue(id);
                writer.WriteStringValue(state.ToWireName());
                writer.WriteStringValue(JobErrorJson.ToJson(error));
                if (runAt is { } at) writer.WriteNumberValue(at);
                else writer.WriteNullValue();
                writer.WriteEndArray();
                rescued.Add(new RescuedJob(id, node, state));
                if (state == JobState.Available || !reader.IsDBNull(5))
                    scope.JobsAvailable(reader.GetString(4));
            }
            writer.WriteEndArray();
        }
        if (rescued.Count == 0)
            return rescued;

        session.Command(RescueSql)
            .Bind("$now", UnixMicros.From(parameters.Now))
            .Bind("$rows", Encoding.UTF8.GetString(buffer.WrittenSpan))
            .ExecuteNonQuery();
        var dead = rescued.Where(static job => job.State == JobState.Dead).Select(static job => job.Id).ToList();
        Dependents.CancelWaiting(session, dead, parameters.Now);
        return rescued;
    }
}
