using Conveyor.Postgres.Jobs;
using Conveyor.Postgres.Schema;
using Conveyor.Serialization;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    /// <summary>The ordering-key rule of a claim for its candidate <c>c</c> at <c>$2</c> (see the remarks of <see cref="ClaimSql"/>).</summary>
    internal const string OrderingKeyFreeSql = $$"""
        (c.ordering_key IS NULL OR (NOT EXISTS (
                    SELECT 1 FROM {s}.jobs AS o
                    WHERE o.ordering_key = c.ordering_key AND o.id < c.id AND o.state IN {{PostgresMigrations.NonFinalStates}})
                  AND NOT EXISTS (
                    SELECT 1 FROM {s}.jobs AS h
                    WHERE h.ordering_key = c.ordering_key AND h.id <> c.id AND h.state = 'cancelled' AND h.lease_expires_at > $2)))
        """;

    /// <summary>
    /// One round trip leases the batch. The inner SELECT walks <c>jobs_claim</c> (queue, priority DESC, run_at, id
    /// WHERE available) in claim order and stops after LIMIT rows; <c>SKIP LOCKED</c> passes over rows another claim
    /// is taking right now, so concurrent claims never wait for each other nor return a job twice. The update then
    /// finds the locked rows through the primary key (<c>id = ANY (ARRAY(…))</c>).
    /// </summary>
    /// <remarks>
    /// The statement runs with its generic plan (<see cref="ExecutionSettingsSql"/>): planning it afresh costs more
    /// than running it. The shape is chosen so that plan is right whatever the LIMIT: a generic plan guesses a
    /// parameter LIMIT at a tenth of the table, and with the earlier form (a CTE joined to the table) it then
    /// hashed the whole table to update 16 rows; <c>id = ANY (ARRAY(…))</c> can only be key probes.
    /// </remarks>
    /// <remarks>
    /// Ordering keys: a job with a key is claimable only while no job of the same key with a smaller id is
    /// not final; the NOT EXISTS probes <c>jobs_ordering</c> in the statement's snapshot. That alone would be
    /// racy in one way: ids come from a sequence, and a transaction that took a smaller id could commit after
    /// one that took a larger id of the same key, letting the later job run first (or both at once). So every
    /// insert of a job with an ordering key first takes a transaction-level advisory lock on the key
    /// (<c>pg_advisory_xact_lock(hashtextextended(key))</c>) and only then draws ids: jobs of one key get their
    /// ids in commit order, and any snapshot that sees a job of a key sees every earlier job of that key. The
    /// claim itself takes no extra lock, so it stays one index walk; the price is that two enqueues of the same
    /// key commit one after the other (which a key that orders its jobs implies anyway). A separate table of
    /// per-key heads was the alternative; it would add a write per claim and completion for every keyed job.
    /// A job of the key cancelled while it ran also holds the key until its attempt's lease has run out (its node
    /// stops the handler at its next heartbeat): the second NOT EXISTS probes <c>jobs_ordering_stopping</c>.
    /// Its <c>h.id &lt;&gt; c.id</c> changes no answer (h is cancelled, c available) but is no equality, so the planner
    /// cannot turn the probe into a hash of every cancelled job of the table (it did, on the million-job EXPLAIN test).
    /// Jobs without a key skip both probes.
    /// </remarks>
    /// <remarks>
    /// Key affinity: a job with a bucket (its affinity key hashed by the table, migration 6) is skipped unless this node
    /// owns the bucket (bit of the bitmap $7) or the job has been available since the end of the grace ($8) or earlier.
    /// </remarks>
    /// <summary>
    /// The leases a claimed job <c>j</c> lost (its errors of type <see cref="JobError.LeaseExpiredType"/>), as the rescue
    /// counts them. A lost lease charges an attempt, so a job on its first attempt has none: the errors column is read
    /// only for jobs claimed again.
    /// </summary>
    internal const string LostLeasesSql =
        "CASE WHEN j.attempt = 1 THEN 0 " +
        "ELSE (SELECT count(*)::int FROM jsonb_array_elements(j.errors) AS x WHERE x->>'type' = '" + JobError.LeaseExpiredType + "') END AS lost_leases";

    internal const string ClaimSql = $$"""
        UPDATE {s}.jobs AS j
        SET state = 'running', attempt = j.attempt + 1, node = $5, started_at = $2, lease_expires_at = $6
        WHERE j.id = ANY (ARRAY(
            SELECT c.id FROM {s}.jobs AS c
            WHERE c.state = 'available' AND c.queue = $1 AND c.run_at <= $2 AND c.kind = ANY ($3)
              AND (c.affinity_bucket IS NULL OR $7::bytea IS NULL OR c.run_at <= $8 OR get_bit($7, c.affinity_bucket) = 1)
              AND {{OrderingKeyFreeSql}}
              AND NOT EXISTS (SELECT 1 FROM {s}.queues AS q WHERE q.name = $1 AND (q.paused OR {{LimitsClaimsSql}}))
            ORDER BY c.priority DESC, c.run_at, c.id
            LIMIT $4
            FOR NO KEY UPDATE OF c SKIP LOCKED))
        RETURNING j.id, j.kind, j.queue, j.args, j.attempt, j.max_attempts, j.priority, j.timeout, j.ordering_key,
                  j.affinity_key, j.batch_id, j.created_at, j.run_at, j.trace_parent, j.trace_state, {{LostLeasesSql}}
        """;

    // Outcomes: 0 succeeded, 1 retry, 2 dead, 3 released. Fenced by (running, node, attempt). The rows are
    // joined to the table only through "j.id = r.id": the plan walks the unnested rows and probes the primary
    // key once for each. Do not add "j.id = ANY ($3)": the generic plan of the prepared statement then scans the
    // ids through the key and re-reads the whole unnest for every row it finds (quadratic: 11 ms per 100 jobs).
    private const string CompleteSql = """
        UPDATE {s}.jobs AS j
        SET state = CASE r.outcome WHEN 0 THEN 'succeeded' WHEN 1 THEN 'retrying' WHEN 2 THEN 'dead' ELSE 'available' END,
            finished_at = CASE WHEN r.outcome IN (0, 2) THEN $2 END,
            result = CASE WHEN r.outcome = 0 THEN r.result::jsonb ELSE j.result END,
            run_at = CASE WHEN r.outcome = 1 THEN COALESCE(r.retry_at, $2) WHEN r.outcome = 3 THEN COALESCE(r.retry_at, j.run_at) ELSE j.run_at END,
            errors = CASE WHEN r.error IS NULL THEN j.errors ELSE j.errors || jsonb_build_array(r.error::jsonb) END,
            attempt = CASE WHEN r.outcome = 3 THEN j.attempt - 1 ELSE j.attempt END,
            node = CASE WHEN r.outcome = 3 THEN NULL ELSE j.node END,
            started_at = CASE WHEN r.outcome = 3 THEN NULL ELSE COALESCE(r.started_at, j.started_at) END,
            lease_expires_at = CASE WHEN r.outcome = 3 THEN NULL ELSE j.lease_expires_at END,
            progress_percent = CASE WHEN r.outcome = 3 THEN NULL ELSE j.progress_percent END,
            progress_message = CASE WHEN r.outcome = 3 THEN NULL ELSE j.progress_message END
        FROM unnest($3::bigint[], $4::integer[], $5::integer[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[])
             AS r(id, attempt, outcome, result, error, retry_at, started_at)
        WHERE j.id = r.id AND j.attempt = r.attempt AND j.state = 'running' AND j.node = $1
        RETURNING j.queue, j.state, j.ordering_key IS NOT NULL, j.id
        """;

    // The common case (every completion a success) without the CASEs of the general statement.
    internal const string SucceedSql = """
        UPDATE {s}.jobs AS j
        SET state = 'succeeded', finished_at = $2, result = r.result::jsonb, started_at = COALESCE(r.started_at, j.started_at)
        FROM unnest($3::bigint[], $4::integer[], $5::text[], $6::timestamptz[]) AS r(id, attempt, result, started_at)
        WHERE j.id = r.id AND j.attempt = r.attempt AND j.state = 'running' AND j.node = $1
        RETURNING j.queue, j.state, j.ordering_key IS NOT NULL, j.id
        """;

    // A statement of its own after the completions, so its snapshot sees a dependent enqueued while the
    // parent's row was locked by the completion (the inserter locks parents FOR SHARE).
    private const string ReleaseDependentsSql = """
        UPDATE {s}.jobs AS w
        SET state = CASE WHEN w.run_at > $2 THEN 'scheduled' ELSE 'available' END
        WHERE w.state = 'waiting' AND w.after_job_id = ANY ($1)
          AND EXISTS (SELECT 1 FROM {s}.jobs AS p WHERE p.id = w.after_job_id AND p.state = 'succeeded')
        RETURNING w.queue, w.state
        """;

    /// <summary>
    /// The first statement of every claim, completion, heartbeat and promotion batch (settings last until the batch's
    /// transaction ends). These statements run thousands of times a second with one shape, and each is key probes or an
    /// index walk: a generic plan saves the planning, which cost more than the execution, and JIT, sorts and sequential
    /// scans are off so that no estimate (a huge backlog, a table planned while empty) can pick a worse plan.
    /// docs/postgres.md ("How the verbs work") explains each.
    /// </summary>
    internal const string ExecutionSettingsSql =
        "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('jit', 'off', true), " +
        "set_config('enable_sort', 'off', true), set_config('enable_seqscan', 'off', true)";

    internal const string ExecutionSettingsAsyncCommitSql = ExecutionSettingsSql + ", set_config('synchronous_commit', 'off', true)";

    private const string CancelDependentsSql = "SELECT {s}.cancel_dependents($1, $2, $3, $4)";

    // SKIP LOCKED: a row locked right now is being completed, cancelled or rescued; the heartbeat neither waits
    // for it nor makes the completion wait. Such a job still counts as held (it is running on this node in the
    // statement's snapshot); if it was taken away, the next heartbeat reports it. The update repeats "id = ANY ($2)"
    // although the join implies it: it bounds the scan of the table by the key whatever the planner believes of the
    // table's size (a plan made while a vacuum had recorded the table as empty read every row through the key).
    internal const string ExtendSql = """
        WITH mine AS (
            SELECT id FROM {s}.jobs
            WHERE id = ANY ($2) AND state = 'running' AND node = $1
            FOR NO KEY UPDATE SKIP LOCKED
        ), extended AS (
            UPDATE {s}.jobs AS j SET lease_expires_at = $3
            FROM mine
            WHERE j.id = mine.id AND j.id = ANY ($2)
            RETURNING j.id
        )
        SELECT id FROM extended
        UNION ALL
        SELECT id FROM {s}.jobs
        WHERE id = ANY ($2) AND state = 'running' AND node = $1 AND id NOT IN (SELECT id FROM mine)
        """;

    private const string ProgressSql = """
        UPDATE {s}.jobs SET progress_percent = $1, progress_message = $2
        WHERE id = $3 AND state = 'running' AND node = $4 AND attempt = $5
        """;

    /// <inheritdoc />
    public async Task<ClaimedJobs> ClaimAsync(ClaimJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        if (parameters.Kinds.Count == 0)
            return ClaimedJobs.None;
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        if (_limitedQueues.ContainsKey(parameters.Queue))
            return await ClaimLimitedAsync(parameters, cancellationToken).ConfigureAwait(false);
        bool limited;
        IReadOnlyList<ClaimedJob> claimed;
        await using (var session = await _hot.RentAsync(cancellationToken).ConfigureAwait(false))
        await using (var batch = session.Connection.CreateBatch())
        {
            batch.BatchCommands.Add(ClaimSettingsCommand(parameters.Queue));
            batch.BatchCommands.Add(ClaimCommand(parameters));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            limited = await ReadClaimSettingsAsync(reader, cancellationToken).ConfigureAwait(false);
            claimed = await ReadClaimedAsync(reader, parameters, cancellationToken).ConfigureAwait(false);
        }
        // A limited queue's jobs are claimed by the limited path only (the hot claim took none).
        if (!limited) return new ClaimedJobs(claimed);
        _limitedQueues.TryAdd(parameters.Queue, 0);
        return await ClaimLimitedAsync(parameters, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><see cref="ClaimSql"/> for <paramref name="parameters"/>: on its own, or after an insert in the same transaction (a ride).</summary>
    private NpgsqlBatchCommand ClaimCommand(ClaimJobsParams parameters)
    {
        var claim = new NpgsqlBatchCommand(Sql(ClaimSql));
        claim.Parameters
            .Text(parameters.Queue)
            .Time(parameters.Now)
            .Texts([.. parameters.Kinds])
            .Int(parameters.Limit)
            .Text(parameters.NodeName)
            .Time(parameters.LeaseExpiresAt);
        // Key affinity ($7 the owned buckets as a bitmap, $8 the end of the grace): null when this node owns every key.
        claim.Parameters.Add(new NpgsqlParameter<byte[]?> { TypedValue = parameters.Affinity?.Owned.Bitmap.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
        claim.Parameters.Add(new NpgsqlParameter<DateTime?> { TypedValue = parameters.Affinity?.OthersAvailableBefore.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        return claim;
    }

    /// <summary>Reads the rows of the <see cref="ClaimSql"/> result for <paramref name="claim"/> (the reader is at it), in claim order.</summary>
    /// <remarks>
    /// A claim takes jobs of its one queue, so the rows' queue is the caller's string: no new string per job. The
    /// kind is read as a new string: looking it up among the claim's kinds through <c>GetChars</c> allocated more
    /// than the string (BenchmarkDotNet, per job: 1,145 B against 1,100 B).
    /// </remarks>
    private static async Task<IReadOnlyList<ClaimedJob>> ReadClaimedAsync(NpgsqlDataReader reader, ClaimJobsParams claim, CancellationToken cancellationToken)
    {
        var claimed = new List<ClaimedJob>(Math.Clamp(claim.Limit, 0, 256));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimed.Add(new ClaimedJob
            {
                Id = reader.GetInt64(0),
                Kind = reader.GetString(1),
                Queue = claim.Queue,
                ArgsJson = reader.GetString(3),
                Attempt = reader.GetInt32(4),
                MaxAttempts = reader.GetInt32(5),
                Priority = reader.GetInt32(6),
                Timeout = reader.IsDBNull(7) ? null : reader.GetFieldValue<TimeSpan>(7),
                OrderingKey = JobRows.NullableString(reader, 8),
                AffinityKey = JobRows.NullableString(reader, 9),
                BatchId = reader.IsDBNull(10) ? null : reader.GetInt64(10),
                CreatedAt = JobRows.Time(reader, 11),
                RunAt = JobRows.Time(reader, 12),
                TraceParent = JobRows.NullableString(reader, 13),
                TraceState = JobRows.NullableString(reader, 14),
                LostLeases = reader.GetInt32(15),
            });
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

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> CompleteManyAsync(CompleteJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var completions = parameters.Completions;
        if (completions.Count == 0)
            return [];
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);

        var ids = new long[completions.Count];
        var attempts = new int[completions.Count];
        var outcomes = new int[completions.Count];
        var results = new string?[completions.Count];
        var errors = new string?[completions.Count];
        var retryAts = new DateTime?[completions.Count];
        var startedAts = new DateTime?[completions.Count];
        var succeeded = new List<long>();
        var dead = new List<long>();
        for (var i = 0; i < completions.Count; i++)
        {
            var completion = completions[i];
            ids[i] = completion.Id;
            attempts[i] = completion.Attempt;
            startedAts[i] = completion.StartedAt?.UtcDateTime;
            switch (completion.Outcome)
            {
                case JobOutcome.Succeeded:
                    outcomes[i] = 0;
                    results[i] = completion.ResultJson;
                    succeeded.Add(completion.Id);
                    break;
                case JobOutcome.Retry:
                    outcomes[i] = 1;
                    retryAts[i] = completion.RetryAt?.UtcDateTime;
                    errors[i] = completion.Error is null ? null : JobErrorJson.ToJson(completion.Error);
                    break;
                case JobOutcome.Dead:
                    outcomes[i] = 2;
                    errors[i] = completion.Error is null ? null : JobErrorJson.ToJson(completion.Error);
                    dead.Add(completion.Id);
                    break;
                case JobOutcome.Released:
                    outcomes[i] = 3;
                    retryAts[i] = completion.RetryAt?.UtcDateTime;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(parameters), completion.Outcome, "unknown job outcome");
            }
        }

        // One round trip: the completions, then (only when needed) the jobs waiting on them, in one implicit transaction.
        await using var session = await _hot.RentAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = session.Connection.CreateBatch();
        AddExecutionSettings(batch);
        NpgsqlBatchCommand complete;
        var allSucceeded = succeeded.Count == completions.Count;
        if (allSucceeded)
        {
            complete = new NpgsqlBatchCommand(Sql(SucceedSql));
            complete.Parameters.Text(parameters.NodeName).Time(parameters.Now).Longs(ids).Ints(attempts).Texts(results).Times(startedAts);
        }
        else
        {
            complete = new NpgsqlBatchCommand(Sql(CompleteSql));
            complete.Parameters.Text(parameters.NodeName).Time(parameters.Now).Longs(ids).Ints(attempts).Ints(outcomes)
                .Texts(results).Texts(errors).Times(retryAts).Times(startedAts);
        }
        batch.BatchCommands.Add(complete);
        if (succeeded.Count > 0)
        {
            var release = new NpgsqlBatchCommand(Sql(ReleaseDependentsSql));
            release.Parameters.Longs([.. succeeded]).Time(parameters.Now);
            batch.BatchCommands.Add(release);
        }
        if (dead.Count > 0)
            batch.BatchCommands.Add(CancelDependentsCommand([.. dead], null, parameters.Now));

        var available = new HashSet<string>(StringComparer.Ordinal);
        var applied = new List<long>(completions.Count);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await SkipExecutionSettingsAsync(reader, cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied.Add(reader.GetInt64(3));
                var keyed = reader.GetBoolean(2);
                // A plain success frees nothing for others (its row's strings are not even read), unless its queue is limited.
                if (allSucceeded && !keyed && _limitedQueues.IsEmpty)
                    continue;
                if (!_limitedQueues.IsEmpty && _limitedQueues.ContainsKey(reader.GetString(0)))
                {
                    available.Add(reader.GetString(0));
                    continue;
                }
                if (allSucceeded && !keyed)
                    continue;
                var state = reader.GetString(1);
                // Released jobs are claimable again; a finished job with an ordering key lets the next one of its key run.
                if (state == "available" || (keyed && state is "succeeded" or "dead"))
                    available.Add(reader.GetString(0));
            }
            if (succeeded.Count > 0 && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetString(1) == "available")
                        available.Add(reader.GetString(0));
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }
        Publish(available);
        return Refused(ids, applied);
    }

    /// <summary>The ids of <paramref name="requested"/> that the fence kept out of <paramref name="applied"/>.</summary>
    private static IReadOnlyList<long> Refused(long[] requested, List<long> applied)
    {
        if (applied.Count == requested.Length)
            return [];
        var done = applied.ToHashSet();
        return [.. requested.Where(id => !done.Contains(id))];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> ExtendLeasesAsync(ExtendLeasesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.JobIds.Count == 0)
            return [];
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var session = await _hot.RentAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = session.Connection.CreateBatch();
        AddExecutionSettings(batch);
        var extend = new NpgsqlBatchCommand(Sql(ExtendSql));
        extend.Parameters.Text(parameters.NodeName).Longs([.. parameters.JobIds]).Time(parameters.LeaseExpiresAt);
        batch.BatchCommands.Add(extend);
        var extended = new HashSet<long>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await SkipExecutionSettingsAsync(reader, cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                extended.Add(reader.GetInt64(0));
        }
        var lost = new List<long>();
        foreach (var id in parameters.JobIds)
        {
            if (extended.Add(id))
                lost.Add(id);
        }
        return lost;
    }

    /// <inheritdoc />
    public async Task ReportProgressAsync(ReportProgressParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        // A handler may report several times per job: on a hot session, as every other statement of a running job.
        await using var session = await _hot.RentAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Sql(ProgressSql), session.Connection);
        command.Parameters.Int(parameters.Percent).Text(parameters.Message).Long(parameters.Id).Text(parameters.NodeName).Int(parameters.Attempt);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds <see cref="ExecutionSettingsSql"/> (with asynchronous commit when configured) as the batch's first command.</summary>
    private void AddExecutionSettings(NpgsqlBatch batch) =>
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Options.AsyncCommitForExecution ? ExecutionSettingsAsyncCommitSql : ExecutionSettingsSql));

    /// <summary>Moves past the result of <see cref="AddExecutionSettings"/>.</summary>
    private static Task SkipExecutionSettingsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        reader.NextResultAsync(cancellationToken);

    /// <summary>
    /// <c>cancel_dependents</c> for <paramref name="parentIds"/>: with <paramref name="parentState"/> null only the
    /// parents that are dead or cancelled now count; otherwise all, recorded as that state.
    /// </summary>
    private NpgsqlBatchCommand CancelDependentsCommand(long[] parentIds, JobState? parentState, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand(Sql(CancelDependentsSql));
        command.Parameters.Longs(parentIds).Text(parentState?.ToWireName()).Time(now).Text(ConveyorJson.FormatTime(now));
        return command;
    }
}
