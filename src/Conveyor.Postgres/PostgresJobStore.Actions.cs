using Conveyor.Postgres.Jobs;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    private const string CancelSql = "UPDATE {s}.jobs SET state = 'cancelled', finished_at = $2 WHERE id = $1";

    private const string RetryJobSql = """
        UPDATE {s}.jobs
        SET state = 'available', run_at = $2, finished_at = NULL, lease_expires_at = NULL,
            max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END
        WHERE id = $1
        """;

    private const string DeleteSql = "DELETE FROM {s}.jobs WHERE id = $1";

    private const string PauseSql = """
        INSERT INTO {s}.queues (name, paused) VALUES ($1, $2)
        ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
        """;

    /// <inheritdoc />
    public Task<JobChangeResult> CancelJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ChangeJobAsync(parameters, static job => !job.State.IsFinal(), (batch, job) =>
        {
            var cancel = new NpgsqlBatchCommand(Sql(CancelSql));
            cancel.Parameters.Long(job.Id).Time(parameters.Now);
            batch.BatchCommands.Add(cancel);
            batch.BatchCommands.Add(CancelDependentsCommand([job.Id], null, parameters.Now));
            return job.OrderingKey is not null;
        }, reread: true, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobChangeResult> RetryJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ChangeJobAsync(parameters, static job => job.State is JobState.Dead or JobState.Cancelled or JobState.Retrying or JobState.Scheduled, (batch, job) =>
        {
            var retry = new NpgsqlBatchCommand(Sql(RetryJobSql));
            retry.Parameters.Long(job.Id).Time(parameters.Now);
            batch.BatchCommands.Add(retry);
            return true;
        }, reread: true, cancellationToken);
    }

    /// <inheritdoc />
    public Task<JobChangeResult> DeleteJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ChangeJobAsync(parameters, static job => job.State != JobState.Running, (batch, job) =>
        {
            // Jobs waiting on it could never run: they are cancelled as if it had been cancelled.
            batch.BatchCommands.Add(CancelDependentsCommand([job.Id], JobState.Cancelled, parameters.Now));
            var delete = new NpgsqlBatchCommand(Sql(DeleteSql));
            delete.Parameters.Long(job.Id);
            batch.BatchCommands.Add(delete);
            return job.OrderingKey is not null && !job.State.IsFinal();
        }, reread: false, cancellationToken);
    }

    /// <inheritdoc />
    public async Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(PauseSql));
        command.Parameters.Text(parameters.Queue).Bool(parameters.Paused);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (!parameters.Paused)
            _notifier.Publish(parameters.Queue);
    }

    /// <summary>
    /// Locks the job's row, checks <paramref name="allowed"/>, adds the change's statements (which return
    /// whether the job's queue should be woken) and runs them as one batch, in one transaction.
    /// </summary>
    private async Task<JobChangeResult> ChangeJobAsync(
        JobIdParams parameters, Func<JobInfo, bool> allowed, Func<NpgsqlBatch, JobInfo, bool> change, bool reread, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var job = await FindJobAsync(connection, transaction, parameters.Id, forUpdate: true, cancellationToken).ConfigureAwait(false);
        if (job is null)
            return new JobChangeResult(JobChangeStatus.NotFound, null);
        if (!allowed(job))
            return new JobChangeResult(JobChangeStatus.NotAllowed, job);
        bool wake;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            wake = change(batch, job);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var after = reread ? await FindJobAsync(connection, transaction, parameters.Id, forUpdate: false, cancellationToken).ConfigureAwait(false) : null;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (wake)
            _notifier.Publish(job.Queue);
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
