using Conveyor.Postgres.Jobs;
using Conveyor.Serialization;
using Conveyor.Storage;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    // Key probes for the locked rows, whatever the LIMIT: it runs with its generic plan (see ExecutionSettingsSql).
    internal const string PromoteSql = """
        UPDATE {s}.jobs AS j SET state = 'available'
        WHERE j.id = ANY (ARRAY(
            SELECT id FROM {s}.jobs
            WHERE state IN ('scheduled', 'retrying') AND run_at <= $1
            ORDER BY run_at, id
            LIMIT $2
            FOR NO KEY UPDATE SKIP LOCKED))
        RETURNING j.queue
        """;

    // Lost is lost: the attempt stays charged. The old node comes from the CTE (SET clears it for available jobs).
    // A job is buried when its attempts are spent or its lost leases, this one included, reach the cap ($4): the
    // count runs over the errors of the locked rows only (re-evaluated on the latest row version, like the lock).
    private const string RescueSql = """
        WITH expired AS (
            SELECT id, node, attempt >= max_attempts OR lost >= $4 AS bury,
                   -- One lost lease short of the cap: the last chance runs at a random time, apart from its crashes' company.
                   attempt < max_attempts AND lost = $4 - 1 AND $5 > 0 AS spread
            FROM (
                SELECT id, node, attempt, max_attempts,
                       (SELECT count(*) FROM jsonb_array_elements(errors) AS x WHERE x->>'type' = 'Conveyor.LeaseExpired') + 1 AS lost
                FROM {s}.jobs
                WHERE state = 'running' AND lease_expires_at < $1
                ORDER BY lease_expires_at, id
                LIMIT $2
                FOR NO KEY UPDATE SKIP LOCKED
            ) AS candidates
        )
        UPDATE {s}.jobs AS j
        SET state = CASE WHEN e.bury THEN 'dead' WHEN e.spread THEN 'retrying' ELSE 'available' END,
            run_at = CASE WHEN e.spread THEN $1 + random() * $5 * interval '1 microsecond' ELSE j.run_at END,
            finished_at = CASE WHEN e.bury THEN $1 END,
            node = CASE WHEN e.bury THEN j.node END,
            started_at = CASE WHEN e.bury THEN j.started_at END,
            progress_percent = CASE WHEN e.bury THEN j.progress_percent END,
            progress_message = CASE WHEN e.bury THEN j.progress_message END,
            lease_expires_at = NULL,
            errors = j.errors || jsonb_build_array(jsonb_build_object(
                'attempt', j.attempt, 'at', $3::text, 'type', 'Conveyor.LeaseExpired',
                'message', 'lease expired (node ' || COALESCE(e.node, 'unknown') || ' lost)', 'stack', NULL))
        FROM expired AS e
        WHERE j.id = e.id
        RETURNING j.id, e.node, j.state, j.queue, j.ordering_key IS NOT NULL
        """;

    // Each state's oldest candidates come from jobs_finished in index order; the oldest of the three lists are deleted.
    // A succeeded job whose unique period has not ended by the cut-off still holds its key (its retention counts from
    // the end of that period): the unique_for condition is a filter on the rows the same index scan returns (no index
    // holds unique_for, so it cannot turn the scan into another plan); the walk passes such rows and goes on.
    private const string PruneSql = """
        WITH candidates AS (
            (SELECT id, finished_at FROM {s}.jobs WHERE state = 'succeeded' AND finished_at < $1
                AND (unique_for IS NULL OR finished_at + unique_for <= $1) ORDER BY finished_at LIMIT $4)
            UNION ALL
            (SELECT id, finished_at FROM {s}.jobs WHERE state = 'dead' AND finished_at < $2 ORDER BY finished_at LIMIT $4)
            UNION ALL
            (SELECT id, finished_at FROM {s}.jobs WHERE state = 'cancelled' AND finished_at < $3 ORDER BY finished_at LIMIT $4)
        ), oldest AS (
            SELECT id FROM candidates ORDER BY finished_at, id LIMIT $4
        ), pruned AS (
            DELETE FROM {s}.jobs AS j USING oldest WHERE j.id = oldest.id RETURNING j.id
        ), batches_gone AS (
            -- A batch goes with its callback: once the callback is pruned nobody reads the batch any more.
            DELETE FROM {s}.batches AS b USING pruned WHERE b.callback_job_id = pruned.id
        )
        SELECT count(*) FROM pruned
        """;

    /// <inheritdoc />
    public async Task<int> PromoteDueJobsAsync(PromoteDueJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = _dataSource.CreateBatch();
        AddExecutionSettings(batch);
        var promote = new Npgsql.NpgsqlBatchCommand(Sql(PromoteSql));
        promote.Parameters.Time(parameters.Now).Int(parameters.Limit);
        batch.BatchCommands.Add(promote);
        var promoted = 0;
        var queues = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await SkipExecutionSettingsAsync(reader, cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                promoted++;
                queues.Add(reader.GetString(0));
            }
        }
        Publish(queues);
        return promoted;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RescuedJob>> RescueExpiredLeasesAsync(RescueExpiredLeasesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.MaxLostLeases, 1, nameof(parameters.MaxLostLeases));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rescued = new List<RescuedJob>();
        var queues = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new Npgsql.NpgsqlCommand(Sql(RescueSql), connection, transaction))
        {
            command.Parameters.Time(parameters.Now).Int(parameters.Limit).Text(ConveyorJson.FormatTime(parameters.Now)).Int(parameters.MaxLostLeases)
                .Long((long)(parameters.SuspectSpread.Ticks / TimeSpan.TicksPerMicrosecond));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var state = JobRows.ParseState(reader.GetString(2));
                rescued.Add(new RescuedJob(reader.GetInt64(0), JobRows.NullableString(reader, 1), state));
                if (state == JobState.Available || reader.GetBoolean(4))
                    queues.Add(reader.GetString(3));
            }
        }
        long[] dead = [.. rescued.Where(static job => job.State == JobState.Dead).Select(static job => job.Id)];
        if (dead.Length > 0)
        {
            // A statement of its own: its snapshot sees dependents enqueued while the rescue held the parents' rows.
            await using var cascade = new Npgsql.NpgsqlBatch(connection, transaction);
            cascade.BatchCommands.Add(CancelDependentsCommand(dead, null, parameters.Now));
            await cascade.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Publish(queues);
        rescued.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return rescued;
    }

    /// <inheritdoc />
    public async Task<int> PruneJobsAsync(PruneJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(PruneSql));
        command.Parameters.Time(parameters.SucceededBefore).Time(parameters.DeadBefore).Time(parameters.CancelledBefore).Int(parameters.Limit);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
