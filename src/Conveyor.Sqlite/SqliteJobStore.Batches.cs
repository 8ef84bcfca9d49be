using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Sqlite.Schema;
using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite;

// Batches. The count of unfinished children is kept by triggers (Jobs/BatchTriggers.cs: every path that finishes,
// revives or deletes a child runs them inside its own write transaction); what is here writes batches and reads them.
public sealed partial class SqliteJobStore : IBatchStore
{
    private const string InsertBatchSql = """
        INSERT INTO conveyor_batches (created_at, callback_job_id, total, remaining, deadline)
        VALUES ($now, 0, $total, 0, $deadline)
        """;

    private const string HoldCallbackSql = "UPDATE conveyor_jobs SET state = 'waiting' WHERE id = $id";

    private const string CountBatchSql = $"""
        UPDATE conveyor_batches
        SET callback_job_id = $callback,
            remaining = (SELECT count(*) FROM conveyor_jobs WHERE batch_id = $id AND state IN {JobRows.NonFinalStates})
        WHERE id = $id
        RETURNING remaining
        """;

    private const string ReleaseCallbackSql = "UPDATE conveyor_jobs SET state = 'available' WHERE id = $id AND state = 'waiting'";

    private const string BatchSql = """
        SELECT b.id, b.created_at, b.callback_job_id, b.total, b.remaining, b.deadline, b.cancelled_at, b.cancel_reason, c.kind, c.state
        FROM conveyor_batches AS b LEFT JOIN conveyor_jobs AS c ON c.id = b.callback_job_id
        """;

    private const string BatchCountsSql = "SELECT state, count(*) FROM conveyor_jobs WHERE batch_id = $id GROUP BY state";

    private const string BatchChildrenSql = """
        SELECT id, state, result FROM conveyor_jobs WHERE batch_id = $id AND id > $after ORDER BY id LIMIT $limit
        """;

    private const string CancelChildrenSql = $"""
        UPDATE conveyor_jobs SET state = 'cancelled', finished_at = $now
        WHERE batch_id = $id AND state IN {JobRows.NonFinalStates}
        RETURNING id, queue, ordering_key IS NOT NULL
        """;

    private const string MarkCancelledSql = "UPDATE conveyor_batches SET cancelled_at = $now, cancel_reason = $reason WHERE id = $id";

    private const string OverdueSql = """
        SELECT id FROM conveyor_batches
        WHERE deadline IS NOT NULL AND deadline <= $now AND remaining > 0 AND cancelled_at IS NULL
        ORDER BY deadline, id LIMIT $limit
        """;

    /// <summary>Batches in this file.</summary>
    public IBatchStore? Batches => this;

    /// <inheritdoc />
    public Task<InsertedBatch> InsertBatchAsync(InsertBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parameters.Callback);
        if (parameters.Children.Count == 0)
            throw new ArgumentException("a batch needs at least one child", nameof(parameters));
        if (parameters.Transaction is null)
            return WriteAsync(scope => InsertBatch(scope.Session, parameters, scope.JobsAvailable), cancellationToken);
        ThrowIfDisposed();
        try
        {
            var transaction = CheckCallerTransaction(parameters.Transaction);
            return Task.FromResult(WriteInCallerTransaction(transaction, (session, jobsAvailable) => InsertBatch(session, parameters, jobsAvailable)));
        }
        catch (Exception exception)
        {
            return Task.FromException<InsertedBatch>(exception);
        }
    }

    /// <inheritdoc />
    public Task<BatchInfo?> GetBatchAsync(GetBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync(session => FindBatch(session, parameters), cancellationToken);
    }

    /// <inheritdoc />
    public Task<BatchChildPage> ListBatchChildrenAsync(ListBatchChildrenParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        return ReadAsync(session =>
        {
            var children = new List<BatchChild>(Math.Min(parameters.Limit, 1024));
            var more = false;
            using var reader = session.Command(BatchChildrenSql)
                .Bind("$id", parameters.BatchId).Bind("$after", parameters.AfterId).Bind("$limit", parameters.Limit + 1).ExecuteReader();
            while (reader.Read())
            {
                if (children.Count == parameters.Limit)
                {
                    more = true;
                    break;
                }
                children.Add(new BatchChild(reader.GetInt64(0), JobRows.ParseState(reader.GetString(1)), reader.GetNullableString(2)));
            }
            return new BatchChildPage(children, more ? children[^1].Id : null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<BatchChangeResult> CancelBatchAsync(CancelBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            var session = scope.Session;
            var lookup = new GetBatchParams(parameters.BatchId);
            if (JobLifecycle.RefuseBatchCancel(FindBatch(session, lookup)) is { } refused)
                return refused;
            var now = UnixMicros.From(parameters.Now);
            session.Command(MarkCancelledSql).Bind("$now", now).Bind("$reason", parameters.Reason).Bind("$id", parameters.BatchId).ExecuteNonQuery();
            var cancelled = new List<long>();
            using (var reader = session.Command(CancelChildrenSql).Bind("$now", now).Bind("$id", parameters.BatchId).ExecuteReader())
            {
                while (reader.Read())
                {
                    cancelled.Add(reader.GetInt64(0));
                    // As a cancel of one job: the next job of an ordering key may run.
                    if (reader.GetBoolean(2))
                        scope.JobsAvailable(reader.GetString(1));
                }
            }
            Dependents.CancelWaiting(session, cancelled, parameters.Now);
            var batch = FindBatch(session, lookup);
            // The callback released by the last child's cancel (the trigger) is claimable now.
            if (batch?.CallbackState == JobState.Available && JobRows.Find(session, batch.CallbackJobId) is { } callback)
                scope.JobsAvailable(callback.Queue);
            return new BatchChangeResult(JobChangeStatus.Done, batch);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> ListOverdueBatchesAsync(ListOverdueBatchesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync<IReadOnlyList<long>>(session =>
        {
            var ids = new List<long>();
            using var reader = session.Command(OverdueSql).Bind("$now", UnixMicros.From(parameters.Now)).Bind("$limit", parameters.Limit).ExecuteReader();
            while (reader.Read())
                ids.Add(reader.GetInt64(0));
            return ids;
        }, cancellationToken);
    }

    private static InsertedBatch InsertBatch(SqliteSession session, InsertBatchParams parameters, Action<string> jobsAvailable)
    {
        BatchTriggers.Ensure(session);
        session.Command(InsertBatchSql)
            .Bind("$now", UnixMicros.From(parameters.Now))
            .Bind("$total", parameters.Children.Count)
            .Bind("$deadline", UnixMicros.From(parameters.Deadline))
            .ExecuteNonQuery();
        var batchId = (long)session.Command("SELECT last_insert_rowid()").ExecuteScalar()!;
        var children = parameters.Children.Select(c => c with { BatchId = batchId }).ToArray();
        var childIds = JobInserter.Insert(session, new InsertJobsParams(children, parameters.Now), jobsAvailable);
        // The callback is written as any job, then held: nobody can claim it before this transaction commits.
        var callback = JobInserter.Insert(session, new InsertJobsParams([parameters.Callback], parameters.Now), static _ => { })[0];
        var callbackId = callback.Id;
        EnsureBacklogRoom(session, new InsertJobsParams([.. children, parameters.Callback], parameters.Now), [.. childIds, callback]);
        session.Command(HoldCallbackSql).Bind("$id", callbackId).ExecuteNonQuery();
        var remaining = (long)session.Command(CountBatchSql).Bind("$callback", callbackId).Bind("$id", batchId).ExecuteScalar()!;
        if (remaining == 0)
        {
            session.Command(ReleaseCallbackSql).Bind("$id", callbackId).ExecuteNonQuery();
            jobsAvailable(parameters.Callback.Queue);
        }
        return new InsertedBatch(batchId, callbackId, [.. childIds.Select(c => c.Id)]);
    }

    private static BatchInfo? FindBatch(SqliteSession session, GetBatchParams parameters)
    {
        var sql = BatchSql + (parameters.ByCallback ? " WHERE b.callback_job_id = $id" : " WHERE b.id = $id");
        BatchInfo batch;
        using (var reader = session.Command(sql).Bind("$id", parameters.Id).ExecuteReader())
        {
            if (!reader.Read())
                return null;
            batch = new BatchInfo
            {
                Id = reader.GetInt64(0),
                CreatedAt = UnixMicros.ToTime(reader.GetInt64(1)),
                CallbackJobId = reader.GetInt64(2),
                Total = reader.GetInt32(3),
                Remaining = reader.GetInt32(4),
                Deadline = reader.GetNullableInt64(5) is { } deadline ? UnixMicros.ToTime(deadline) : null,
                CancelledAt = reader.GetNullableInt64(6) is { } cancelled ? UnixMicros.ToTime(cancelled) : null,
                CancelReason = reader.GetNullableString(7),
                CallbackKind = reader.GetNullableString(8),
                CallbackState = reader.GetNullableString(9) is { } state ? JobRows.ParseState(state) : null,
                Counts = new Dictionary<JobState, long>(),
            };
        }
        var counts = JobStates.All.ToDictionary(s => s, _ => 0L);
        using (var reader = session.Command(BatchCountsSql).Bind("$id", batch.Id).ExecuteReader())
        {
            while (reader.Read())
                counts[JobRows.ParseState(reader.GetString(0))] = reader.GetInt64(1);
        }
        return batch with { Counts = counts };
    }
}
