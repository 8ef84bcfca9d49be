using Conveyor.Postgres.Jobs;
using Conveyor.Postgres.Schema;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

// Batches. The count of unfinished children is kept by the trigger of schema step 7 (every path that finishes,
// revives or deletes a child runs it inside its own transaction); what is here writes batches and reads them.
public sealed partial class PostgresJobStore : IBatchStore
{
    private const string InsertBatchSql = """
        INSERT INTO {s}.batches (created_at, callback_job_id, total, remaining, deadline)
        VALUES ($1, 0, $2, 0, $3)
        RETURNING id
        """;

    private const string HoldCallbackSql = "UPDATE {s}.jobs SET state = 'waiting' WHERE id = $1";

    private const string CountBatchSql = $$"""
        UPDATE {s}.batches
        SET callback_job_id = $2,
            remaining = (SELECT count(*) FROM {s}.jobs WHERE batch_id = $1 AND state IN {{PostgresMigrations.NonFinalStates}})
        WHERE id = $1
        RETURNING remaining
        """;

    private const string ReleaseCallbackSql = "UPDATE {s}.jobs SET state = 'available' WHERE id = $1 AND state = 'waiting'";

    private const string BatchSql = """
        SELECT b.id, b.created_at, b.callback_job_id, b.total, b.remaining, b.deadline, b.cancelled_at, b.cancel_reason, c.kind, c.state
        FROM {s}.batches AS b LEFT JOIN {s}.jobs AS c ON c.id = b.callback_job_id
        """;

    private const string BatchCountsSql = "SELECT state, count(*) FROM {s}.jobs WHERE batch_id = $1 GROUP BY state";

    private const string BatchChildrenSql = "SELECT id, state, result::text FROM {s}.jobs WHERE batch_id = $1 AND id > $2 ORDER BY id LIMIT $3";

    private const string CancelChildrenSql = $$"""
        WITH free AS (
            SELECT id FROM {s}.jobs
            WHERE batch_id = $1 AND state IN {{PostgresMigrations.NonFinalStates}}
            FOR UPDATE SKIP LOCKED
        )
        UPDATE {s}.jobs AS j SET state = 'cancelled', finished_at = $2
        FROM free
        WHERE j.id = free.id
        RETURNING j.id, j.queue, j.ordering_key IS NOT NULL
        """;

    private const string MarkCancelledSql = """
        UPDATE {s}.batches SET cancelled_at = $2, cancel_reason = $3
        WHERE id = $1 AND cancelled_at IS NULL AND remaining > 0
        """;

    private const string UnfinishedChildrenSql = $$"""
        SELECT count(*) FROM {s}.jobs WHERE batch_id = $1 AND state IN {{PostgresMigrations.NonFinalStates}}
        """;

    private const string ReleasedCallbackQueueSql = """
        SELECT c.queue FROM {s}.batches AS b JOIN {s}.jobs AS c ON c.id = b.callback_job_id
        WHERE b.id = $1 AND b.remaining = 0 AND c.state = 'available'
        """;

    private const string OverdueSql = """
        SELECT id FROM {s}.batches
        WHERE deadline IS NOT NULL AND deadline <= $1 AND remaining > 0 AND cancelled_at IS NULL
        ORDER BY deadline, id LIMIT $2
        """;

    /// <summary>Batches in this schema.</summary>
    public IBatchStore? Batches => this;

    /// <inheritdoc />
    /// <remarks>Inside the caller's transaction, under a savepoint as <see cref="InsertManyAsync"/>.</remarks>
    public async Task<InsertedBatch> InsertBatchAsync(InsertBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parameters.Callback);
        if (parameters.Children.Count == 0)
            throw new ArgumentException("a batch needs at least one child", nameof(parameters));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        if (parameters.Transaction is not null)
        {
            var transaction = CheckCallerTransaction(parameters.Transaction);
            const string savepoint = "conveyor_batch";
            await transaction.SaveAsync(savepoint, cancellationToken).ConfigureAwait(false);
            try
            {
                var inserted = await InsertBatchAsync(transaction, parameters, cancellationToken).ConfigureAwait(false);
                await transaction.ReleaseAsync(savepoint, cancellationToken).ConfigureAwait(false);
                return inserted;
            }
            catch
            {
                if (transaction.Connection is { FullState: System.Data.ConnectionState.Open })
                    await transaction.RollbackAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var own = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await InsertBatchAsync(own, parameters, cancellationToken).ConfigureAwait(false);
        await own.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public async Task<BatchInfo?> GetBatchAsync(GetBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await FindBatchAsync(connection, null, parameters, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<BatchChildPage> ListBatchChildrenAsync(ListBatchChildrenParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Sql(BatchChildrenSql), connection);
        command.Parameters.Long(parameters.BatchId).Long(parameters.AfterId).Int(parameters.Limit + 1);
        var children = new List<BatchChild>(Math.Min(parameters.Limit, 1024));
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (children.Count == parameters.Limit)
            {
                more = true;
                break;
            }
            children.Add(new BatchChild(reader.GetInt64(0), JobRows.ParseState(reader.GetString(1)), JobRows.NullableString(reader, 2)));
        }
        return new BatchChildPage(children, more ? children[^1].Id : null);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Children being changed right now by another transaction (a completion on some node) are skipped, not waited
    /// for: that transaction holds the child and waits for the batch row this one holds, so waiting would deadlock.
    /// Once it commits, such a child is final (it counted itself off) or unfinished again (a retry, a release at
    /// shutdown) and then cancelled by the next pass; passes repeat until no child of the batch is unfinished.
    /// </remarks>
    public async Task<BatchChangeResult> CancelBatchAsync(CancelBatchParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var lookup = new GetBatchParams(parameters.BatchId);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        for (var pass = 0; ; pass++)
        {
            var unfinished = await CancelChildrenAsync(connection, parameters, mark: pass == 0, cancellationToken).ConfigureAwait(false);
            if (unfinished is null)
                return JobLifecycle.RefuseBatchCancel(await FindBatchAsync(connection, null, lookup, cancellationToken).ConfigureAwait(false))
                    ?? throw new InvalidOperationException($"batch {parameters.BatchId} could not be marked cancelled");
            if (unfinished == 0)
                break;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10 * (pass + 1), 200)), cancellationToken).ConfigureAwait(false);
        }
        return new BatchChangeResult(JobChangeStatus.Done, await FindBatchAsync(connection, null, lookup, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> ListOverdueBatchesAsync(ListOverdueBatchesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Sql(OverdueSql), connection);
        command.Parameters.Time(parameters.Now).Int(parameters.Limit);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    private async Task<InsertedBatch> InsertBatchAsync(NpgsqlTransaction transaction, InsertBatchParams parameters, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        long batchId;
        await using (var insert = new NpgsqlCommand(Sql(InsertBatchSql), connection, transaction))
        {
            insert.Parameters.Time(parameters.Now).Int(parameters.Children.Count);
            insert.Parameters.Add(new NpgsqlParameter<DateTime?> { TypedValue = parameters.Deadline?.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            batchId = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        var children = parameters.Children.Select(c => c with { BatchId = batchId }).ToArray();
        var childIds = await InsertManyAsync(new InsertJobsParams(children, parameters.Now, transaction), cancellationToken).ConfigureAwait(false);
        // The callback is written as any job, then held: nobody can claim it before this transaction commits.
        var callbackId = (await InsertManyAsync(new InsertJobsParams([parameters.Callback], parameters.Now, transaction), cancellationToken).ConfigureAwait(false))[0].Id;
        await using (var hold = new NpgsqlCommand(Sql(HoldCallbackSql), connection, transaction))
        {
            hold.Parameters.Long(callbackId);
            await hold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        int remaining;
        await using (var count = new NpgsqlCommand(Sql(CountBatchSql), connection, transaction))
        {
            count.Parameters.Long(batchId).Long(callbackId);
            remaining = (int)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        if (remaining == 0)
        {
            await using var release = new NpgsqlCommand(Sql(ReleaseCallbackSql), connection, transaction);
            release.Parameters.Long(callbackId);
            await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return new InsertedBatch(batchId, callbackId, [.. childIds.Select(c => c.Id)]);
    }

    /// <summary>
    /// One pass of a batch cancel, in one transaction: marks the batch (the first pass; null when it is complete,
    /// cancelled already or missing), cancels the unfinished children nobody else holds now and the jobs waiting on
    /// them. Returns how many children are still unfinished after the commit.
    /// </summary>
    private async Task<long?> CancelChildrenAsync(NpgsqlConnection connection, CancelBatchParams parameters, bool mark, CancellationToken cancellationToken)
    {
        var wake = new HashSet<string>(StringComparer.Ordinal);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            if (mark)
            {
                await using var marking = new NpgsqlCommand(Sql(MarkCancelledSql), connection, transaction);
                marking.Parameters.Long(parameters.BatchId).Time(parameters.Now).Text(parameters.Reason);
                if (await marking.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    return null;
            }
            var cancelled = new List<long>();
            await using (var cancel = new NpgsqlCommand(Sql(CancelChildrenSql), connection, transaction))
            {
                cancel.Parameters.Long(parameters.BatchId).Time(parameters.Now);
                await using var reader = await cancel.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    cancelled.Add(reader.GetInt64(0));
                    // As a cancel of one job: the next job of an ordering key may run.
                    if (reader.GetBoolean(2))
                        wake.Add(reader.GetString(1));
                }
            }
            if (cancelled.Count > 0)
            {
                await using var dependents = new NpgsqlBatch(connection, transaction);
                dependents.BatchCommands.Add(CancelDependentsCommand([.. cancelled], null, parameters.Now));
                await dependents.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var callback = new NpgsqlCommand(Sql(ReleasedCallbackQueueSql), connection, transaction))
            {
                callback.Parameters.Long(parameters.BatchId);
                if (await callback.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string queue)
                    wake.Add(queue);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var queue in wake)
            _notifier.Publish(queue);
        await using var count = new NpgsqlCommand(Sql(UnfinishedChildrenSql), connection);
        count.Parameters.Long(parameters.BatchId);
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<BatchInfo?> FindBatchAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, GetBatchParams parameters, CancellationToken cancellationToken)
    {
        var sql = Sql(BatchSql + (parameters.ByCallback ? " WHERE b.callback_job_id = $1" : " WHERE b.id = $1"));
        BatchInfo batch;
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            command.Parameters.Long(parameters.Id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                return null;
            batch = new BatchInfo
            {
                Id = reader.GetInt64(0),
                CreatedAt = JobRows.Time(reader, 1),
                CallbackJobId = reader.GetInt64(2),
                Total = reader.GetInt32(3),
                Remaining = reader.GetInt32(4),
                Deadline = JobRows.NullableTime(reader, 5),
                CancelledAt = JobRows.NullableTime(reader, 6),
                CancelReason = JobRows.NullableString(reader, 7),
                CallbackKind = JobRows.NullableString(reader, 8),
                CallbackState = reader.IsDBNull(9) ? null : JobRows.ParseState(reader.GetString(9)),
                Counts = new Dictionary<JobState, long>(),
            };
        }
        var counts = JobStates.All.ToDictionary(s => s, _ => 0L);
        await using (var command = new NpgsqlCommand(Sql(BatchCountsSql), connection, transaction))
        {
            command.Parameters.Long(batch.Id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                counts[JobRows.ParseState(reader.GetString(0))] = reader.GetInt64(1);
        }
        return batch with { Counts = counts };
    }
}
