using Conveyor.Postgres.Jobs;
using Conveyor.Postgres.Schema;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    private const string CancelSql = "UPDATE {s}.jobs SET state = 'cancelled', finished_at = $2 WHERE id = $1";

    private const string RetryJobSql = """
        UPDATE {s}.jobs
        SET state = $3, run_at = $2, finished_at = NULL, lease_expires_at = NULL, node = NULL, started_at = NULL,
            progress_percent = NULL, progress_message = NULL,
            max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END
        WHERE id = $1
        """;

    // The job an enqueue of this unique key would return instead of a new one, other than the job itself.
    private const string UniqueHolderSql = $$"""
        SELECT id FROM {s}.jobs
        WHERE unique_key = $1 AND id <> $2
          AND (state IN {{PostgresMigrations.NonFinalStates}}
               OR (state = 'succeeded' AND unique_for IS NOT NULL AND finished_at + unique_for > $3))
        ORDER BY id
        LIMIT 1
        """;

    // The later unfinished jobs of the ordering key, locked: a claim skips them until the retry commits (and then
    // finds the retried job before them), and one being claimed now is read once that claim committed.
    private const string LaterOfOrderingKeySql = $$"""
        SELECT id, state FROM {s}.jobs
        WHERE ordering_key = $1 AND id > $2 AND state IN {{PostgresMigrations.NonFinalStates}}
        ORDER BY id
        FOR UPDATE
        """;

    private const string DeleteSql = "DELETE FROM {s}.jobs WHERE id = $1";

    /// <inheritdoc />
    public Task<JobChangeResult> CancelJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ChangeJobAsync(parameters, JobAction.Cancel, (batch, job) =>
        {
            var cancel = new NpgsqlBatchCommand(Sql(CancelSql));
            cancel.Parameters.Long(job.Id).Time(parameters.Now);
            batch.BatchCommands.Add(cancel);
            batch.BatchCommands.Add(CancelDependentsCommand([job.Id], null, parameters.Now));
            return JobState.Cancelled;
        }, reread: true, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A final job asks again what an enqueue asks (<see cref="RetryFactsAsync"/>), under the advisory locks an
    /// enqueue of its keys takes. Those are taken before the row's lock, in the inserters' order, so a retry and an
    /// enqueue never wait for each other in a circle.
    /// </remarks>
    public async Task<JobChangeResult> RetryJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var seen = await FindJobAsync(connection, transaction, parameters.Id, forUpdate: false, cancellationToken).ConfigureAwait(false);
        if (seen is null)
            return new JobChangeResult(JobChangeStatus.NotFound, null);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        if (seen.OrderingKey is { } orderingKey) keys.Add(InsertPlan.LockKey(Options.Schema, 'o', orderingKey));
        if (seen.UniqueKey is { } uniqueKey) keys.Add(InsertPlan.LockKey(Options.Schema, 'u', uniqueKey));
        if (keys.Count > 0)
        {
            await using var locks = new NpgsqlBatch(connection, transaction);
            locks.BatchCommands.Add(LockKeysCommand([.. keys]));
            await locks.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // A batch's callback: its batch row is locked before the job's row, in the order of the trigger that releases the
        // callback (batch, then callback). A child finishing now waits to count itself off and then sees this callback
        // waiting again, and releases it; one that finished first has made remaining 0, which this read sees.
        bool openBatch;
        await using (var batch = new NpgsqlCommand(Sql(OpenBatchOfCallbackSql), connection, transaction))
        {
            batch.Parameters.Long(seen.Id);
            openBatch = await batch.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        }
        var job = await FindJobAsync(connection, transaction, parameters.Id, forUpdate: true, cancellationToken).ConfigureAwait(false);
        if (JobLifecycle.Refuse(JobAction.Retry, job) is { } refused)
            return refused;
        var facts = JobLifecycle.RetryNeedsFacts(job!)
            ? await RetryFactsAsync(connection, transaction, job!, parameters.Now, cancellationToken).ConfigureAwait(false) with { CallbackOfOpenBatch = openBatch }
            : default;
        var decision = JobLifecycle.DecideRetry(job!, facts, parameters.Now);
        if (decision.Refusal is { } conflict)
            return conflict;
        var state = decision.State;
        await using (var retry = new NpgsqlCommand(Sql(RetryJobSql), connection, transaction))
        {
            retry.Parameters.Long(job!.Id).Time(parameters.Now).Text(state.ToWireName());
            await retry.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var after = await FindJobAsync(connection, transaction, parameters.Id, forUpdate: false, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (JobLifecycle.WakesQueue(JobAction.Retry, job, state))
            _notifier.Publish(job.Queue);
        return new JobChangeResult(JobChangeStatus.Done, after);
    }

    private const string OpenBatchOfCallbackSql = "SELECT id FROM {s}.batches WHERE callback_job_id = $1 AND remaining > 0 FOR UPDATE";

    /// <summary>
    /// The facts a retry of a final job asks again. The later unfinished jobs of its ordering key are locked (a claim
    /// skips them until the retry commits); the job it waits for is locked FOR SHARE, as an enqueue's parents are, so
    /// its completion's release of dependents sees this job.
    /// </summary>
    private async Task<RetryFacts> RetryFactsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, JobInfo job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long? holder = null, running = null;
        JobState? parentState = null;
        if (job.UniqueKey is { } uniqueKey)
        {
            await using var unique = new NpgsqlCommand(Sql(UniqueHolderSql), connection, transaction);
            unique.Parameters.Text(uniqueKey).Long(job.Id).Time(now);
            holder = await unique.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
        }
        if (job.OrderingKey is { } orderingKey)
        {
            await using var later = new NpgsqlCommand(Sql(LaterOfOrderingKeySql), connection, transaction);
            later.Parameters.Text(orderingKey).Long(job.Id);
            await using var reader = await later.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (running is null && reader.GetString(1) == "running")
                    running = reader.GetInt64(0);
            }
        }
        if (job.AfterJobId is { } parentId)
        {
            await using var parent = new NpgsqlCommand(Sql(ParentLookupSql), connection, transaction);
            parent.Parameters.Longs([parentId]);
            await using var reader = await parent.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                parentState = JobRows.ParseState(reader.GetString(1));
        }
        return new RetryFacts(holder, running, parentState);
    }

    /// <inheritdoc />
    public Task<JobChangeResult> DeleteJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ChangeJobAsync(parameters, JobAction.Delete, (batch, job) =>
        {
            // Jobs waiting on it could never run: they are cancelled as if it had been cancelled.
            batch.BatchCommands.Add(CancelDependentsCommand([job.Id], JobState.Cancelled, parameters.Now));
            var delete = new NpgsqlBatchCommand(Sql(DeleteSql));
            delete.Parameters.Long(job.Id);
            batch.BatchCommands.Add(delete);
            return null;
        }, reread: false, cancellationToken);
    }
    /// <summary>
    /// Locks the job's row, asks <see cref="JobLifecycle.Refuse"/>, adds the change's statements (which return the
    /// job's state after them, null when deleted) and runs them as one batch, in one transaction.
    /// </summary>
    private async Task<JobChangeResult> ChangeJobAsync(
        JobIdParams parameters, JobAction action, Func<NpgsqlBatch, JobInfo, JobState?> change, bool reread, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var job = await FindJobAsync(connection, transaction, parameters.Id, forUpdate: true, cancellationToken).ConfigureAwait(false);
        if (JobLifecycle.Refuse(action, job) is { } refused)
            return refused;
        bool wake;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            wake = JobLifecycle.WakesQueue(action, job!, change(batch, job!));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var after = reread ? await FindJobAsync(connection, transaction, parameters.Id, forUpdate: false, cancellationToken).ConfigureAwait(false) : null;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (wake)
            _notifier.Publish(job!.Queue);
        return new JobChangeResult(JobChangeStatus.Done, after);
    }

    private async Task<JobInfo?> FindJobAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long id, bool forUpdate, CancellationToken cancellationToken)
    {
        var sql = Sql($"SELECT {JobRows.Columns} FROM {{s}}.jobs WHERE id = $1" + (forUpdate ? " FOR UPDATE" : ""));
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Long(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? JobRows.ReadJob(reader) : null;
    }
}
