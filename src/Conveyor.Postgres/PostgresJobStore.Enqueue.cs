using System.Data.Common;
using System.Globalization;
using Conveyor.Postgres.Jobs;
using Conveyor.Postgres.Schema;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    // Locks are taken one by one in array order (the array is sorted), before any id is drawn.
    private const string LockKeysSql = "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k";

    private const string UniqueLookupSql = $$"""
        SELECT DISTINCT ON (unique_key) unique_key, id FROM {s}.jobs
        WHERE unique_key = ANY ($1)
          AND (state IN {{PostgresMigrations.NonFinalStates}}
               OR (state = 'succeeded' AND unique_for IS NOT NULL AND finished_at + unique_for > $2))
        ORDER BY unique_key, id
        """;

    // FOR SHARE: a parent that is being completed or cancelled right now is read once that commits; one that is
    // not yet cannot change until this insert commits, and the completion's follow-up statement then sees the child.
    private const string ParentLookupSql = "SELECT id, state FROM {s}.jobs WHERE id = ANY ($1) FOR SHARE";

    // Ids are drawn in input order (ORDER BY ord) and RETURNING yields the rows in that order.
    private const string InsertSql = """
        INSERT INTO {s}.jobs (kind, queue, state, args, priority, max_attempts, run_at, created_at, timeout, ordering_key,
                              unique_key, unique_for, affinity_key, after_job_id, batch_id, finished_at, errors, trace_parent, trace_state)
        SELECT r.kind, r.queue, r.state, r.args::jsonb, r.priority, r.max_attempts, r.run_at, r.created_at, r.timeout, r.ordering_key,
               r.unique_key, r.unique_for, r.affinity_key, r.after_job_id, r.batch_id, r.finished_at,
               COALESCE(r.errors::jsonb, '[]'::jsonb), r.trace_parent, r.trace_state
        FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::integer[], $8::timestamptz[],
                    $9::interval[], $10::text[], $11::text[], $12::interval[], $13::text[], $14::bigint[], $15::bigint[],
                    $16::timestamptz[], $17::text[], $18::text[], $19::text[])
             WITH ORDINALITY AS r(created_at, kind, queue, state, args, priority, max_attempts, run_at, timeout, ordering_key, unique_key,
                                  unique_for, affinity_key, after_job_id, batch_id, finished_at, errors, trace_parent, trace_state, ord)
        ORDER BY r.ord
        RETURNING id
        """;

    // Large plain batches: ids first (in order, after the ordering-key locks), then a binary COPY of the rows.
    private const string DrawIdsSql = "SELECT nextval('{s}.jobs_id_seq') FROM generate_series(1, $1)";

    private const string CopySql = """
        COPY {s}.jobs (id, kind, queue, state, args, priority, max_attempts, run_at, created_at, timeout, ordering_key,
                       unique_key, unique_for, affinity_key, batch_id, trace_parent, trace_state)
        FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>Plain calls with at least this many jobs are written with COPY (cheaper per row for the server than an INSERT).</summary>
    internal const int CopyThreshold = 1000;

    // Inside the caller's transaction the wake-up is a NOTIFY of that transaction: delivered only if it commits.
    private const string NotifyInTransactionSql = "SELECT pg_notify($1, q) FROM unnest($2::text[]) AS q";

    /// <summary>
    /// Inserts jobs atomically (see <see cref="IJobExecutionStore.InsertManyAsync"/>). Ids are assigned in input order.
    /// Jobs without unique keys or <c>after</c> take one round trip however many there are.
    /// With <see cref="InsertJobsParams.Transaction"/> the rows are written through the caller's
    /// <see cref="NpgsqlTransaction"/> (on a connection to this store's database), inside a savepoint so that a
    /// failed insert leaves the caller's transaction usable; the jobs exist only once the caller commits, and
    /// nodes are woken by a NOTIFY that PostgreSQL delivers at that commit. Use READ COMMITTED (the default):
    /// unique keys are checked after their lock is taken, which needs a fresh snapshot per statement.
    /// </summary>
    /// <exception cref="ArgumentException">The transaction is not an open <see cref="NpgsqlTransaction"/>.</exception>
    /// <exception cref="JobNotFoundException">A job's <c>AfterJobId</c> does not exist; nothing was inserted.</exception>
    /// <exception cref="QueueBacklogFullException">The jobs would overfill a queue's backlog limit; nothing was inserted.</exception>
    public async Task<IReadOnlyList<InsertedJob>> InsertManyAsync(InsertJobsParams parameters, CancellationToken cancellationToken = default)
    {
        try
        {
            return await InsertAnyAsync(parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (BacklogFull(e) is { } full)
        {
            throw full;
        }
    }

    private async Task<IReadOnlyList<InsertedJob>> InsertAnyAsync(InsertJobsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Transaction is not null)
            return await InsertInCallerTransactionAsync(parameters, CheckCallerTransaction(parameters.Transaction), cancellationToken).ConfigureAwait(false);
        if (parameters.Jobs.Count == 0)
            return [];
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);

        var plan = InsertPlan.For(parameters.Jobs, Options.Schema);
        if (!plan.NeedsLookup)
        {
            // Jobs with ordering keys are not combined: their write may wait for another transaction's key lock,
            // and the calls queued behind it in the combiner would wait too.
            return parameters.Jobs.Count < InsertCombiner.SoloThreshold && plan.LockKeys.Length == 0
                ? await _combiner.InsertAsync(parameters, cancellationToken).ConfigureAwait(false)
                : parameters.Jobs.Count >= CopyThreshold
                    ? await CopyInOwnTransactionAsync(parameters, plan, cancellationToken).ConfigureAwait(false)
                    : await InsertPlainAsync(parameters.Jobs, Enumerable.Repeat(parameters.Now, parameters.Jobs.Count).ToArray(), cancellationToken).ConfigureAwait(false);
        }
        InsertOutcome outcome;
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            outcome = await InsertWithLookupAsync(connection, transaction, parameters, plan, notifyInside: false, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        Publish(outcome.AvailableQueues);
        return outcome.Results;
    }

    /// <summary>
    /// Jobs without unique keys or <c>after</c> in one round trip: [lock their ordering keys,] insert — one
    /// implicit transaction. Also the write of the <see cref="InsertCombiner"/>.
    /// </summary>
    /// <remarks>
    /// When a node of this process waits idle for a queue that gets available jobs here, its claim rides along
    /// (<see cref="IEnqueueClaimer"/>): after the insert, in the same transaction, so the job is leased to it when
    /// the call returns. Should that claim fail, the transaction rolled back and the jobs are written again without it.
    /// </remarks>
    private Task<IReadOnlyList<InsertedJob>> InsertPlainAsync(IReadOnlyList<NewJob> jobs, IReadOnlyList<DateTimeOffset> createdAt, CancellationToken cancellationToken) =>
        WritePlainAsync(jobs, createdAt, rideAlong: true, cancellationToken);

    private async Task<IReadOnlyList<InsertedJob>> WritePlainAsync(IReadOnlyList<NewJob> jobs, IReadOnlyList<DateTimeOffset> createdAt, bool rideAlong, CancellationToken cancellationToken)
    {
        var plan = InsertPlan.For(jobs, Options.Schema);
        var rows = InsertRows.Plain(jobs, createdAt);
        var rides = rideAlong ? _offers.Take(rows.AvailableQueues()) : null;
        var insertRead = false;
        InsertOutcome outcome;
        List<IReadOnlyList<ClaimedJob>>? claimed = null;
        try
        {
            await using var session = await _hot.RentAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = session.Connection.CreateBatch();
            if (plan.LockKeys.Length > 0)
                batch.BatchCommands.Add(LockKeysCommand(plan.LockKeys));
            batch.BatchCommands.Add(InsertCommand(rows));
            var insertIndex = batch.BatchCommands.Count - 1;
            if (rides is not null)
            {
                // Generic plan and no JIT for the claim, as for every claim; the commit still waits for the disk.
                batch.BatchCommands.Add(new NpgsqlBatchCommand(ExecutionSettingsSql));
                foreach (var ride in rides)
                    batch.BatchCommands.Add(ClaimCommand(ride.Claim));
                claimed = new List<IReadOnlyList<ClaimedJob>>(rides.Count);
            }
            outcome = await ReadInsertedAsync(batch, insertIndex, rows, cancellationToken, claimed is null ? null : async reader =>
            {
                insertRead = true;
                await SkipExecutionSettingsAsync(reader, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < rides!.Count; i++)
                {
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    claimed.Add(await ReadClaimedAsync(reader, rides[i].Claim, cancellationToken).ConfigureAwait(false));
                }
            }).ConfigureAwait(false);
        }
        catch (PostgresException) when (insertRead)
        {
            // The server refused a statement after the insert (the claim): the whole implicit transaction rolled back,
            // nothing was inserted. (PostgresException.BatchCommand would name the statement, but Npgsql leaves it
            // unset for an error read while moving to the next result.)
            ReleaseRides(rides);
            return await WritePlainAsync(jobs, createdAt, rideAlong: false, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ReleaseRides(rides);
            throw;
        }
        DeliverRides(rides, claimed);
        Publish(claimed is null ? outcome.AvailableQueues : rows.AvailableQueuesLeftAfter(ClaimedIds(claimed)));
        return outcome.Results;
    }

    /// <summary>The ids the claims riding on a write took.</summary>
    /// <remarks>
    /// A queue whose new jobs were all taken by those claims needs no wake-up: any other node would claim nothing,
    /// and with many idle nodes a wake-up per enqueue costs each of them an empty claim (and this store a NOTIFY).
    /// A ride may take older jobs instead of new ones, or leave jobs of kinds its node does not run; their queues
    /// are still woken.
    /// </remarks>
    private static HashSet<long> ClaimedIds(List<IReadOnlyList<ClaimedJob>> claimed)
    {
        var ids = new HashSet<long>();
        foreach (var jobs in claimed)
        {
            foreach (var job in jobs)
                ids.Add(job.Id);
        }
        return ids;
    }

    private static NpgsqlTransaction CheckCallerTransaction(DbTransaction candidate)
    {
        var transaction = candidate as NpgsqlTransaction
            ?? throw new ArgumentException(
                $"the PostgreSQL store joins only an Npgsql NpgsqlTransaction, not a {candidate.GetType().FullName}", "parameters");
        if (transaction.Connection is null)
            throw new ArgumentException("the NpgsqlTransaction was already committed or rolled back", "parameters");
        return transaction;
    }

    private async Task<IReadOnlyList<InsertedJob>> InsertInCallerTransactionAsync(InsertJobsParams parameters, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (parameters.Jobs.Count == 0)
            return [];
        // Migrations run on the store's own connection: the caller's transaction has not touched the tables yet.
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var connection = transaction.Connection!;
        var plan = InsertPlan.For(parameters.Jobs, Options.Schema);
        const string savepoint = "conveyor_insert";
        await transaction.SaveAsync(savepoint, cancellationToken).ConfigureAwait(false);
        InsertOutcome outcome;
        try
        {
            if (!plan.NeedsLookup && parameters.Jobs.Count >= CopyThreshold)
            {
                var results = await CopyAsync(connection, transaction, parameters, plan, cancellationToken).ConfigureAwait(false);
                var queues = AvailableQueues(parameters.Jobs);
                await using (var notify = new NpgsqlBatch(connection, transaction))
                {
                    AddNotifyInTransaction(notify, queues);
                    if (notify.BatchCommands.Count > 0)
                        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                outcome = new InsertOutcome(results, queues);
            }
            else if (!plan.NeedsLookup)
            {
                var rows = InsertRows.Plain(parameters.Jobs, Enumerable.Repeat(parameters.Now, parameters.Jobs.Count).ToArray());
                await using var batch = new NpgsqlBatch(connection, transaction);
                if (plan.LockKeys.Length > 0)
                    batch.BatchCommands.Add(LockKeysCommand(plan.LockKeys));
                batch.BatchCommands.Add(InsertCommand(rows));
                var insertIndex = batch.BatchCommands.Count - 1;
                AddNotifyInTransaction(batch, rows.AvailableQueues());
                outcome = await ReadInsertedAsync(batch, insertIndex, rows, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                outcome = await InsertWithLookupAsync(connection, transaction, parameters, plan, notifyInside: true, cancellationToken).ConfigureAwait(false);
            }
            await transaction.ReleaseAsync(savepoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (transaction.Connection is not null && connection.FullState == System.Data.ConnectionState.Open)
                await transaction.RollbackAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        if (Options.NotificationMode == PostgresNotificationMode.PollOnly)
        {
            // No NOTIFY to carry the wake-up past the commit: wake this process's nodes now; should they claim
            // before the caller commits, the poll finds the jobs.
            foreach (var queue in outcome.AvailableQueues)
                _notifier.Deliver(queue);
        }
        return outcome.Results;
    }

    private async Task<InsertOutcome> InsertWithLookupAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, InsertJobsParams parameters, InsertPlan plan, bool notifyInside, CancellationToken cancellationToken)
    {
        // Round trip 1: locks, then what the unique keys and parents are now (fresh snapshots after the locks).
        var existing = new Dictionary<string, long>(StringComparer.Ordinal);
        var parents = new Dictionary<long, JobState>();
        await using (var lookup = new NpgsqlBatch(connection, transaction))
        {
            var lockResults = 0;
            if (plan.LockKeys.Length > 0)
            {
                lookup.BatchCommands.Add(LockKeysCommand(plan.LockKeys));
                lockResults = 1;
            }
            if (plan.UniqueKeys.Length > 0)
            {
                var unique = new NpgsqlBatchCommand(Sql(UniqueLookupSql));
                unique.Parameters.Texts(plan.UniqueKeys).Time(parameters.Now);
                lookup.BatchCommands.Add(unique);
            }
            if (plan.ParentIds.Length > 0)
            {
                var parent = new NpgsqlBatchCommand(Sql(ParentLookupSql));
                parent.Parameters.Longs(plan.ParentIds);
                lookup.BatchCommands.Add(parent);
            }
            await using var reader = await lookup.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < lockResults; i++)
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            if (plan.UniqueKeys.Length > 0)
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    existing[reader.GetString(0)] = reader.GetInt64(1);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }
            if (plan.ParentIds.Length > 0)
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    parents[reader.GetInt64(0)] = JobRows.ParseState(reader.GetString(1));
            }
        }

        var rows = InsertRows.Decide(parameters.Jobs, parameters.Now, existing, parents);
        if (rows.Count == 0)
            return new InsertOutcome(rows.Results(), []);

        // Round trip 2: the rows.
        await using var insert = new NpgsqlBatch(connection, transaction);
        insert.BatchCommands.Add(InsertCommand(rows));
        if (notifyInside)
            AddNotifyInTransaction(insert, rows.AvailableQueues());
        return await ReadInsertedAsync(insert, 0, rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="batch"/> and reads the ids its insert (command <paramref name="insertIndex"/>) returned;
    /// <paramref name="readRest"/>, if given, reads the results after the insert's, which are otherwise skipped.
    /// </summary>
    private static async Task<InsertOutcome> ReadInsertedAsync(NpgsqlBatch batch, int insertIndex, InsertRows rows, CancellationToken cancellationToken,
        Func<NpgsqlDataReader, Task>? readRest = null)
    {
        var ids = new long[rows.Count];
        var n = 0;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < insertIndex; i++)
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (n == ids.Length)
                    throw new InvalidOperationException("the insert returned more ids than jobs");
                ids[n++] = reader.GetInt64(0);
            }
            if (readRest is not null)
                await readRest(reader).ConfigureAwait(false);
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }
        if (n != rows.Count)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"the insert returned {n} ids for {rows.Count} jobs"));
        rows.AssignIds(ids);
        return new InsertOutcome(rows.Results(), rows.AvailableQueues());
    }

    private async Task<IReadOnlyList<InsertedJob>> CopyInOwnTransactionAsync(InsertJobsParams parameters, InsertPlan plan, CancellationToken cancellationToken)
    {
        IReadOnlyList<InsertedJob> results;
        await using (var session = await _hot.RentAsync(cancellationToken).ConfigureAwait(false))
        await using (var transaction = await session.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            results = await CopyAsync(session.Connection, transaction, parameters, plan, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        Publish(AvailableQueues(parameters.Jobs));
        return results;
    }

    /// <summary>Plain jobs (no unique keys, no <c>after</c>) by binary COPY inside <paramref name="transaction"/>.</summary>
    private async Task<IReadOnlyList<InsertedJob>> CopyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, InsertJobsParams parameters, InsertPlan plan, CancellationToken cancellationToken)
    {
        var jobs = parameters.Jobs;
        var ids = new long[jobs.Count];
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            if (plan.LockKeys.Length > 0)
                batch.BatchCommands.Add(LockKeysCommand(plan.LockKeys));
            var draw = new NpgsqlBatchCommand(Sql(DrawIdsSql));
            draw.Parameters.Int(jobs.Count);
            batch.BatchCommands.Add(draw);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (plan.LockKeys.Length > 0)
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var n = 0;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                ids[n++] = reader.GetInt64(0);
            if (n != ids.Length)
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"drew {n} ids for {ids.Length} jobs"));
        }
        // Concurrent inserters may draw in between, so the ids are increasing but not always contiguous.
        Array.Sort(ids);

        var createdAt = parameters.Now;
        await using (var stream = await connection.BeginRawBinaryCopyAsync(Sql(CopySql), cancellationToken).ConfigureAwait(false))
        {
            await using var writer = new BinaryCopyWriter(stream);
            for (var i = 0; i < jobs.Count; i++)
            {
                var job = jobs[i];
                await writer.StartRowAsync(CopyColumns, CopyRowMaxBytes(job), cancellationToken).ConfigureAwait(false);
                writer.WriteBigint(ids[i]);
                writer.WriteText(job.Kind);
                writer.WriteText(job.Queue);
                writer.WriteText(job.State.ToWireName());
                writer.WriteJsonb(job.ArgsJson);
                writer.WriteInteger(job.Priority);
                writer.WriteInteger(job.MaxAttempts);
                writer.WriteTimestampTz(job.RunAt);
                writer.WriteTimestampTz(createdAt);
                writer.WriteInterval(job.Timeout);
                writer.WriteText(job.OrderingKey);
                writer.WriteText(job.UniqueKey);
                writer.WriteInterval(job.UniqueFor);
                writer.WriteText(job.AffinityKey);
                writer.WriteBigint(job.BatchId);
                writer.WriteText(job.TraceParent);
                writer.WriteText(job.TraceState);
            }
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        var results = new InsertedJob[jobs.Count];
        for (var i = 0; i < results.Length; i++)
            results[i] = new InsertedJob(ids[i], Existing: false);
        return results;
    }

    /// <summary>The columns of <see cref="CopySql"/>, in its order.</summary>
    private const short CopyColumns = 17;

    /// <summary>An upper bound of a job's row in <see cref="CopySql"/>: the text fields at their longest UTF-8, the rest fixed.</summary>
    private static int CopyRowMaxBytes(NewJob job) =>
        BinaryCopyWriter.MaxTextBytes(job.Kind) + BinaryCopyWriter.MaxTextBytes(job.Queue) + BinaryCopyWriter.MaxTextBytes("cancelled")
        + BinaryCopyWriter.MaxTextBytes(job.ArgsJson) + 1 + BinaryCopyWriter.MaxTextBytes(job.OrderingKey)
        + BinaryCopyWriter.MaxTextBytes(job.UniqueKey) + BinaryCopyWriter.MaxTextBytes(job.AffinityKey)
        + BinaryCopyWriter.MaxTextBytes(job.TraceParent) + BinaryCopyWriter.MaxTextBytes(job.TraceState)
        + 4 * 12 + 2 * 8 + 2 * 20; // id, run_at, created_at, batch_id; priority, max_attempts; timeout, unique_for

    private static IReadOnlyList<string> AvailableQueues(IReadOnlyList<NewJob> jobs)
    {
        var queues = new List<string>(1);
        foreach (var job in jobs)
        {
            if (job.State == JobState.Available && !queues.Contains(job.Queue, StringComparer.Ordinal))
                queues.Add(job.Queue);
        }
        return queues;
    }

    private NpgsqlBatchCommand LockKeysCommand(string[] keys)
    {
        var command = new NpgsqlBatchCommand(LockKeysSql);
        command.Parameters.Texts(keys);
        return command;
    }

    private NpgsqlBatchCommand InsertCommand(InsertRows rows)
    {
        var command = new NpgsqlBatchCommand(Sql(InsertSql));
        command.Parameters.Times(rows.CreatedAts)
            .Texts(rows.Kinds).Texts(rows.Queues).Texts(rows.States).Texts(rows.Args)
            .Ints(rows.Priorities).Ints(rows.MaxAttempts).Times(rows.RunAts).Intervals(rows.Timeouts)
            .Texts(rows.OrderingKeys).Texts(rows.UniqueKeys).Intervals(rows.UniqueFors).Texts(rows.AffinityKeys)
            .NullableLongs(rows.AfterJobIds).NullableLongs(rows.BatchIds).Times(rows.FinishedAts).Texts(rows.Errors)
            .Texts(rows.TraceParents).Texts(rows.TraceStates);
        return command;
    }

    private void AddNotifyInTransaction(NpgsqlBatch batch, IReadOnlyList<string> queues)
    {
        if (queues.Count == 0 || Options.NotificationMode == PostgresNotificationMode.PollOnly)
            return;
        var command = new NpgsqlBatchCommand(NotifyInTransactionSql);
        command.Parameters.Text(_notifier.Channel).Texts([.. queues]);
        batch.BatchCommands.Add(command);
    }

    private sealed record InsertOutcome(IReadOnlyList<InsertedJob> Results, IReadOnlyList<string> AvailableQueues);
}
