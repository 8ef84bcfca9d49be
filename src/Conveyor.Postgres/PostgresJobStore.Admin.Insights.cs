using Conveyor.Postgres.Jobs;
using Conveyor.Postgres.Schema;
using Conveyor.Storage;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    // Walks jobs_finished (state, finished_at) over the window, one range per state.
    private const string ActivitySql = """
        SELECT floor(extract(epoch FROM finished_at - $1) / $3)::bigint AS b,
               count(*) FILTER (WHERE state = 'succeeded'), count(*) FILTER (WHERE state = 'dead'),
               coalesce(sum(CASE WHEN state = 'dead' THEN attempt ELSE greatest(attempt - 1, 0) END), 0)::bigint,
               avg(extract(epoch FROM started_at - run_at))::double precision, max(extract(epoch FROM started_at - run_at))::double precision
        FROM {s}.jobs
        WHERE state IN ('succeeded', 'dead') AND finished_at >= $1 AND finished_at < $2
        GROUP BY b
        ORDER BY b
        """;

    // Walks jobs_ordering (ordering_key, id) of the jobs that are not final.
    private const string OrderingKeySql = $"""
        SELECT {JobRows.Columns} FROM {"{s}"}.jobs
        WHERE ordering_key = $1 AND state IN {PostgresMigrations.NonFinalStates}
        ORDER BY id
        LIMIT $2
        """;

    /// <inheritdoc />
    public async Task<IReadOnlyList<ActivityBucket>> GetActivityAsync(GetActivityParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Bucket, TimeSpan.FromSeconds(1), nameof(parameters.Bucket));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(ActivitySql));
        command.Parameters.Time(parameters.Since).Time(parameters.Until);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<double> { TypedValue = parameters.Bucket.TotalSeconds });
        var buckets = new List<ActivityBucket>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            buckets.Add(new ActivityBucket(
                parameters.Since + parameters.Bucket * reader.GetInt64(0),
                reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : TimeSpan.FromSeconds(reader.GetDouble(4)),
                reader.IsDBNull(5) ? null : TimeSpan.FromSeconds(reader.GetDouble(5))));
        }
        return buckets;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobInfo>> ListOrderingKeyAsync(ListOrderingKeyParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(OrderingKeySql));
        command.Parameters.Text(parameters.OrderingKey).Int(parameters.Limit);
        var jobs = new List<JobInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            jobs.Add(JobRows.ReadJob(reader));
        return jobs;
    }
}
