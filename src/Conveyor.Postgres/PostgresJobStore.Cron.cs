using Conveyor.Postgres.Jobs;
using Conveyor.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore : ICronStore
{
    // One statement, so nodes starting at once cannot both create a schedule. A definition equal to the stored one
    // matches no row of the DO UPDATE, and RETURNING then yields nothing.
    private const string UpsertCronSql = """
        INSERT INTO {s}.cron AS c (name, expression, time_zone, kind, args, options, missed_ticks, source, version, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)
        ON CONFLICT (name) DO UPDATE SET
            expression = excluded.expression, time_zone = excluded.time_zone, kind = excluded.kind, args = excluded.args,
            options = excluded.options, missed_ticks = excluded.missed_ticks, source = excluded.source,
            version = c.version + 1, updated_at = excluded.updated_at
        WHERE (c.expression, c.time_zone, c.kind, c.args, c.options, c.missed_ticks)
              IS DISTINCT FROM (excluded.expression, excluded.time_zone, excluded.kind, excluded.args, excluded.options, excluded.missed_ticks)
        RETURNING version
        """;

    private const string RemoveCronSql = "DELETE FROM {s}.cron WHERE name = $1";

    private const string ListCronSql = """
        SELECT name, expression, time_zone, kind, args, options, missed_ticks, source, version, created_at, updated_at,
               last_tick, last_job_id, last_fired_at
        FROM {s}.cron ORDER BY name COLLATE "C"
        """;

    // The compare-and-set. The row lock it takes makes a second leader's identical UPDATE wait for this transaction, then
    // find the last tick changed and match nothing.
    private const string AdvanceCronSql = """
        UPDATE {s}.cron SET last_tick = $1, last_fired_at = $2
        WHERE name = $3 AND version = $4 AND last_tick IS NOT DISTINCT FROM $5
        """;

    private const string CronJobSql = "UPDATE {s}.cron SET last_job_id = $1 WHERE name = $2";

    /// <summary>Schedules in the table <c>cron</c> of this store's schema.</summary>
    public ICronStore? Cron => this;

    /// <inheritdoc />
    public async Task<CronUpsertOutcome> UpsertCronAsync(UpsertCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var d = parameters.Definition;
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(UpsertCronSql));
        command.Parameters.Text(d.Name).Text(d.Expression).Text(d.TimeZone).Text(d.Kind).Text(d.ArgsJson).Text(d.OptionsJson)
            .Text(d.MissedTicks).Text(d.Source).Time(parameters.Now);
        var version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return version switch
        {
            null => CronUpsertOutcome.Unchanged,
            1L => CronUpsertOutcome.Created,
            _ => CronUpsertOutcome.Updated,
        };
    }

    /// <inheritdoc />
    public async Task<bool> RemoveCronAsync(RemoveCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(RemoveCronSql));
        command.Parameters.Text(parameters.Name);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CronSchedule>> ListCronAsync(ListCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(ListCronSql));
        var schedules = new List<CronSchedule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var definition = new CronDefinition
            {
                Name = reader.GetString(0),
                Expression = reader.GetString(1),
                TimeZone = reader.GetString(2),
                Kind = reader.GetString(3),
                ArgsJson = reader.GetString(4),
                OptionsJson = reader.GetString(5),
                MissedTicks = reader.GetString(6),
                Source = reader.GetString(7),
            };
            schedules.Add(new CronSchedule(definition, reader.GetInt64(8), JobRows.Time(reader, 9), JobRows.Time(reader, 10),
                JobRows.NullableTime(reader, 11), reader.IsDBNull(12) ? null : reader.GetInt64(12), JobRows.NullableTime(reader, 13)));
        }
        return schedules;
    }

    /// <inheritdoc />
    public async Task<CronFireResult> FireCronAsync(FireCronParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var advance = new NpgsqlCommand(Sql(AdvanceCronSql), connection, transaction))
        {
            advance.Parameters.Time(parameters.Tick).Time(parameters.Now).Text(parameters.Name).Long(parameters.Version);
            advance.Parameters.Add(new NpgsqlParameter
            {
                NpgsqlDbType = NpgsqlDbType.TimestampTz,
                Value = parameters.ExpectedLastTick is { } expected ? expected.UtcDateTime : DBNull.Value,
            });
            if (await advance.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                return new CronFireResult(false, null);
        }
        long? id = null;
        if (parameters.Job is { } job)
        {
            // The store's own transactional insert: the job and its wake-up (a NOTIFY) exist only if this commits.
            id = (await InsertManyAsync(new InsertJobsParams([job], parameters.Now, transaction), cancellationToken).ConfigureAwait(false))[0].Id;
            await using var record = new NpgsqlCommand(Sql(CronJobSql), connection, transaction);
            record.Parameters.Long(id.Value).Text(parameters.Name);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CronFireResult(true, id);
    }
}
