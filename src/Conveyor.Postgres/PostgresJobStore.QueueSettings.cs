using Conveyor.Postgres.Jobs;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    private const string PauseSql = """
        INSERT INTO {s}.queues (name, paused) VALUES ($1, $2)
        ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
        """;

    // The start log of a queue whose rate limit is removed goes with it (a claim prunes it otherwise).
    private const string LimitsSql = """
        WITH upsert AS (
            INSERT INTO {s}.queues (name, global_limit, rate_count, rate_period, ordered, max_backlog) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (name) DO UPDATE SET global_limit = excluded.global_limit, rate_count = excluded.rate_count,
                rate_period = excluded.rate_period, ordered = excluded.ordered, max_backlog = excluded.max_backlog
            RETURNING name
        )
        DELETE FROM {s}.queue_starts WHERE queue = $1 AND $3::integer IS NULL
        """;

    private const string SettingsSql = "SELECT paused, global_limit, rate_count, rate_period, ordered, max_backlog FROM {s}.queues WHERE name = $1";

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

    /// <inheritdoc />
    public async Task SetQueueLimitsAsync(SetQueueLimitsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parameters.Limits);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var limits = parameters.Limits;
        await using var command = _dataSource.CreateCommand(Sql(LimitsSql));
        command.Parameters.Text(parameters.Queue).Int(limits.GlobalLimit).Int(limits.RateLimit?.Count);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan?> { TypedValue = limits.RateLimit?.Period, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Interval });
        command.Parameters.Bool(limits.Ordered);
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = limits.MaxBacklog, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (limits.LimitsClaims) _limitedQueues.TryAdd(parameters.Queue, 0);
        // Looser limits may let waiting jobs start now.
        _notifier.Publish(parameters.Queue);
    }

    /// <inheritdoc />
    public async Task<QueueSettings?> GetQueueSettingsAsync(GetQueueSettingsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(SettingsSql));
        command.Parameters.Text(parameters.Queue);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadSettings(reader, 0) : null;
    }

    /// <summary>Reads (paused, global_limit, rate_count, rate_period, ordered, max_backlog) starting at column <paramref name="first"/>.</summary>
    private static QueueSettings ReadSettings(NpgsqlDataReader reader, int first)
    {
        var rate = reader.IsDBNull(first + 2) ? null : new RateLimit(reader.GetInt32(first + 2), reader.GetFieldValue<TimeSpan>(first + 3));
        return new QueueSettings(reader.GetBoolean(first), new QueueLimits(
            reader.IsDBNull(first + 1) ? null : reader.GetInt32(first + 1),
            rate,
            reader.GetBoolean(first + 4),
            reader.IsDBNull(first + 5) ? null : reader.GetInt64(first + 5)));
    }
}
