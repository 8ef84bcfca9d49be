using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    // Walks conveyor_jobs_finished (state, finished_at, …) over the window, one range per state; times are microseconds.
    private const string ActivitySql = """
        SELECT (finished_at - $since) / $bucket AS b,
               sum(state = 'succeeded'), sum(state = 'dead'),
               sum(CASE WHEN state = 'dead' THEN attempt ELSE max(attempt - 1, 0) END),
               avg(started_at - run_at), max(started_at - run_at)
        FROM conveyor_jobs
        WHERE state IN ('succeeded', 'dead') AND finished_at >= $since AND finished_at < $until
        GROUP BY b
        ORDER BY b
        """;

    // Walks conveyor_jobs_ordering (ordering_key, id) of the jobs that are not final: its WHERE repeats the index's.
    private const string OrderingKeySql = $"""
        SELECT {JobRows.Columns} FROM conveyor_jobs
        WHERE ordering_key = $key AND state IN {JobRows.NonFinalStates}
        ORDER BY id
        LIMIT $limit
        """;

    /// <inheritdoc />
    public Task<IReadOnlyList<ActivityBucket>> GetActivityAsync(GetActivityParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Bucket, TimeSpan.FromSeconds(1), nameof(parameters.Bucket));
        return ReadAsync<IReadOnlyList<ActivityBucket>>(session =>
        {
            var buckets = new List<ActivityBucket>();
            using var reader = session.Command(ActivitySql)
                .Bind("$since", UnixMicros.From(parameters.Since))
                .Bind("$until", UnixMicros.From(parameters.Until))
                .Bind("$bucket", UnixMicros.FromSpan(parameters.Bucket))
                .ExecuteReader();
            while (reader.Read())
            {
                buckets.Add(new ActivityBucket(
                    parameters.Since + parameters.Bucket * reader.GetInt64(0),
                    reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : UnixMicros.ToSpan((long)Math.Round(reader.GetDouble(4))),
                    reader.IsDBNull(5) ? null : UnixMicros.ToSpan(reader.GetInt64(5))));
            }
            return buckets;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JobInfo>> ListOrderingKeyAsync(ListOrderingKeyParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        var limit = parameters.Limit;
        return ReadAsync<IReadOnlyList<JobInfo>>(session =>
        {
            var jobs = new List<JobInfo>();
            using var reader = session.Command(OrderingKeySql).Bind("$key", parameters.OrderingKey).Bind("$limit", limit).ExecuteReader();
            while (reader.Read())
                jobs.Add(JobRows.ReadJob(reader));
            return jobs;
        }, cancellationToken);
    }
}
