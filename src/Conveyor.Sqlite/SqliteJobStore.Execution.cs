using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    // One statement leases the batch: the inner SELECT walks conveyor_jobs_claim in claim order and the
    // ordering-key check probes conveyor_jobs_ordering; the immediate transaction around it makes the
    // whole claim atomic against every other process on the file.
    internal const string ClaimSql = $"""
        UPDATE conveyor_jobs
        SET state = 'running', attempt = attempt + 1, node = $node, started_at = $now, lease_expires_at = $lease
        WHERE id IN (
            SELECT j.id FROM conveyor_jobs AS j
            WHERE j.queue = $queue AND j.state = 'available' AND j.run_at <= $now
              AND j.kind IN (SELECT value FROM json_each($kinds))
              AND (j.ordering_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM conveyor_jobs AS o
                    WHERE o.ordering_key = j.ordering_key AND o.id < j.id
                      AND o.state IN {JobRows.NonFinalStates}))
            ORDER BY j.priority DESC, j.run_at, j.id
            LIMIT $limit)
          AND NOT EXISTS (SELECT 1 FROM conveyor_queues WHERE name = $queue AND paused <> 0)
        RETURNING id, kind, queue, args, attempt, max_attempts, priority, timeout_us, ordering_key,
                  affinity_key, batch_id, created_at, run_at
        """;

    private const string FenceSql = "j.id = r.value ->> 0 AND j.attempt = r.value ->> 1 AND j.state = 'running' AND j.node = $node";

    private const string SucceedSql = $"""
        UPDATE conveyor_jobs AS j
        SET state = 'succeeded', finished_at = $now, result = r.value ->> 2
        FROM json_each($rows) AS r
        WHERE {FenceSql}
        RETURNING id, queue, ordering_key
        """;

    private const string RetrySql = $"""
        UPDATE conveyor_jobs AS j
        SET state = 'retrying', run_at = COALESCE(r.value ->> 2, $now),
            errors = CASE WHEN r.value ->> 3 IS NULL THEN j.errors ELSE json_insert(j.errors, '$[#]', json(r.value ->> 3)) END
        FROM json_each($rows) AS r
        WHERE {FenceSql}
        """;

    private const string DeadSql = $"""
        UPDATE conveyor_jobs AS j
        SET state = 'dead', finished_at = $now,
            errors = CASE WHEN r.value ->> 2 IS NULL THEN j.errors ELSE json_insert(j.errors, '$[#]', json(r.value ->> 2)) END
        FROM json_each($rows) AS r
        WHERE {FenceSql}
        RETURNING id, queue, ordering_key
        """;

    private const string ReleaseSql = $"""
        UPDATE conveyor_jobs AS j
        SET state = 'available', attempt = j.attempt - 1, node = NULL, started_at = NULL, lease_expires_at = NULL
        FROM json_each($rows) AS r
        WHERE {FenceSql}
        RETURNING queue
        """;

    private const string ExtendSql = """
        UPDATE conveyor_jobs SET lease_expires_at = $lease
        WHERE id IN (SELECT value FROM json_each($ids)) AND state = 'running' AND node = $node
        RETURNING id
        """;

    private const string ProgressSql = """
        UPDATE conveyor_jobs SET progress_percent = $percent, progress_message = $message
        WHERE id = $id AND state = 'running' AND node = $node AND attempt = $attempt
        """;

    private static readonly JsonWriterOptions RowWriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <inheritdoc />
    public Task<IReadOnlyList<ClaimedJob>> ClaimAsync(ClaimJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        if (parameters.Kinds.Count == 0)
            return Task.FromResult<IReadOnlyList<ClaimedJob>>([]);
        var kinds = JsonLists.Strings(parameters.Kinds);
        // A claim is reported at its commit, before the flush that makes it durable (the next one, a
        // millisecond or so later): the node's jobs start without waiting for the disk. A claim lost to a
        // power loss leaves its job available with the attempt not counted, which is what a rescue of
        // the dead node's lease would have done, minus the charge; every completion is flushed before it
        // is reported, and its flush carries the claim before it.
        return WriteAsync(scope => Claim(scope.Session, parameters, kinds), cancellationToken, durable: false);
    }

    /// <inheritdoc />
    public Task CompleteManyAsync(CompleteJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Completions.Count == 0)
            return Task.CompletedTask;
        var rows = CompletionRows.Build(parameters.Completions);
        return WriteAsync(scope => Complete(scope, parameters, rows), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> ExtendLeasesAsync(ExtendLeasesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.JobIds.Count == 0)
            return Task.FromResult<IReadOnlyList<long>>([]);
        var ids = JsonLists.Ids(parameters.JobIds);
        return WriteAsync<IReadOnlyList<long>>(scope =>
        {
            var extended = new HashSet<long>();
            using (var reader = scope.Session.Command(ExtendSql)
                .Bind("$lease", UnixMicros.From(parameters.LeaseExpiresAt))
                .Bind("$ids", ids)
                .Bind("$node", parameters.NodeName)
                .ExecuteReader())
            {
                while (reader.Read())
                    extended.Add(reader.GetInt64(0));
            }
            var lost = new List<long>();
            foreach (var id in parameters.JobIds)
            {
                if (!extended.Contains(id) && !lost.Contains(id))
                    lost.Add(id);
            }
            return lost;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task ReportProgressAsync(ReportProgressParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope => scope.Session.Command(ProgressSql)
            .Bind("$percent", parameters.Percent)
            .Bind("$message", parameters.Message)
            .Bind("$id", parameters.Id)
            .Bind("$node", parameters.NodeName)
            .Bind("$attempt", parameters.Attempt)
            .ExecuteNonQuery(), cancellationToken);
    }

    private static IReadOnlyList<ClaimedJob> Claim(SqliteSession session, ClaimJobsParams parameters, string kinds)
    {
        var claimed = new List<ClaimedJob>(Math.Min(parameters.Limit, 256));
        using (var reader = session.Command(ClaimSql)
            .Bind("$node", parameters.NodeName)
            .Bind("$now", UnixMicros.From(parameters.Now))
            .Bind("$lease", UnixMicros.From(parameters.LeaseExpiresAt))
            .Bind("$queue", parameters.Queue)
            .Bind("$kinds", kinds)
            .Bind("$limit", parameters.Limit)
            .ExecuteReader())
        {
            while (reader.Read())
            {
                claimed.Add(new ClaimedJob
                {
                    Id = reader.GetInt64(0),
                    Kind = reader.GetString(1),
                    Queue = reader.GetString(2),
                    ArgsJson = reader.GetString(3),
                    Attempt = reader.GetInt32(4),
                    MaxAttempts = reader.GetInt32(5),
                    Priority = reader.GetInt32(6),
                    Timeout = reader.GetNullableInt64(7) is { } timeout ? UnixMicros.ToSpan(timeout) : null,
                    OrderingKey = reader.GetNullableString(8),
                    AffinityKey = reader.GetNullableString(9),
                    BatchId = reader.GetNullableInt64(10),
                    CreatedAt = UnixMicros.ToTime(reader.GetInt64(11)),
                    RunAt = UnixMicros.ToTime(reader.GetInt64(12)),
                });
            }
        }
        // RETURNING yields rows in no promised order; callers get them in claim order.
        claimed.Sort(static (a, b) =>
        {
            var byPriority = b.Priority.CompareTo(a.Priority);
            if (byPriority != 0)
                return byPriority;
            var byRunAt = a.RunAt.CompareTo(b.RunAt);
            return byRunAt != 0 ? byRunAt : a.Id.CompareTo(b.Id);
        });
        return claimed;
    }

    private static int Complete(WriteScope scope, CompleteJobsParams parameters, CompletionRows rows)
    {
        var session = scope.Session;
        var now = UnixMicros.From(parameters.Now);

        if (rows.Succeeded is { } succeededRows)
        {
            var succeeded = new List<long>();
            using (var reader = session.Command(SucceedSql).Bind("$now", now).Bind("$rows", succeededRows).Bind("$node", parameters.NodeName).ExecuteReader())
            {
                while (reader.Read())
                {
                    succeeded.Add(reader.GetInt64(0));
                    if (!reader.IsDBNull(2))
                        scope.JobsAvailable(reader.GetString(1));
                }
            }
            Dependents.Release(scope, succeeded, now);
        }

        if (rows.Retry is { } retryRows)
            session.Command(RetrySql).Bind("$now", now).Bind("$rows", retryRows).Bind("$node", parameters.NodeName).ExecuteNonQuery();

        if (rows.Dead is { } deadRows)
        {
            var dead = new List<long>();
            using (var reader = session.Command(DeadSql).Bind("$now", now).Bind("$rows", deadRows).Bind("$node", parameters.NodeName).ExecuteReader())
            {
                while (reader.Read())
                {
                    dead.Add(reader.GetInt64(0));
                    if (!reader.IsDBNull(2))
                        scope.JobsAvailable(reader.GetString(1));
                }
            }
            Dependents.CancelWaiting(session, dead, parameters.Now);
        }

        if (rows.Released is { } releasedRows)
        {
            using var reader = session.Command(ReleaseSql).Bind("$rows", releasedRows).Bind("$node", parameters.NodeName).ExecuteReader();
            while (reader.Read())
                scope.JobsAvailable(reader.GetString(0));
        }
        return 0;
    }

    /// <summary>The completions of one call as JSON arrays, one per outcome (null when none).</summary>
    private sealed record CompletionRows(string? Succeeded, string? Retry, string? Dead, string? Released)
    {
        public static CompletionRows Build(IReadOnlyList<JobCompletion> completions)
        {
            using var succeeded = new RowArray();
            using var retry = new RowArray();
            using var dead = new RowArray();
            using var released = new RowArray();
            foreach (var completion in completions)
            {
                switch (completion.Outcome)
                {
                    case JobOutcome.Succeeded:
                        {
                            var w = succeeded.Start(completion);
                            if (completion.ResultJson is null)
                                w.WriteNullValue();
                            else
                                w.WriteStringValue(completion.ResultJson);
                            succeeded.End();
                            break;
                        }
                    case JobOutcome.Retry:
                        {
                            var w = retry.Start(completion);
                            if (completion.RetryAt is { } retryAt)
                                w.WriteNumberValue(UnixMicros.From(retryAt));
                            else
                                w.WriteNullValue();
                            WriteError(w, completion.Error);
                            retry.End();
                            break;
                        }
                    case JobOutcome.Dead:
                        {
                            WriteError(dead.Start(completion), completion.Error);
                            dead.End();
                            break;
                        }
                    case JobOutcome.Released:
                        released.Start(completion);
                        released.End();
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(completions), completion.Outcome, "unknown job outcome");
                }
            }
            return new CompletionRows(succeeded.ToJson(), retry.ToJson(), dead.ToJson(), released.ToJson());
        }

        private static void WriteError(Utf8JsonWriter writer, JobError? error)
        {
            if (error is null)
                writer.WriteNullValue();
            else
                writer.WriteStringValue(JobErrorsJson.ToJson(error));
        }
    }

    /// <summary>A JSON array of <c>[id, attempt, …]</c> rows.</summary>
    private sealed class RowArray : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1024);
        private readonly Utf8JsonWriter _writer;
        private int _count;

        public RowArray()
        {
            _writer = new Utf8JsonWriter(_buffer, RowWriterOptions);
            _writer.WriteStartArray();
        }

        public Utf8JsonWriter Start(JobCompletion completion)
        {
            _writer.WriteStartArray();
            _writer.WriteNumberValue(completion.Id);
            _writer.WriteNumberValue(completion.Attempt);
            _count++;
            return _writer;
        }

        public void End() => _writer.WriteEndArray();

        public string? ToJson()
        {
            if (_count == 0)
                return null;
            _writer.WriteEndArray();
            _writer.Flush();
            return Encoding.UTF8.GetString(_buffer.WrittenSpan);
        }

        public void Dispose() => _writer.Dispose();
    }
}
