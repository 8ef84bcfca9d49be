using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    /// <summary>The largest page <see cref="ListJobsAsync"/> returns.</summary>
    private const int MaxPageSize = 1000;

    private const string ListSql = $"""
        SELECT {JobRows.Columns} FROM conveyor_jobs
        WHERE id < $before
          AND ($state IS NULL OR state = $state)
          AND ($queue IS NULL OR queue = $queue)
          AND ($kind IS NULL OR kind = $kind)
        ORDER BY id DESC
        LIMIT $limit
        """;

    // Counted from the indexes, one part per state group: no index holds every job (the claim index holds
    // only available jobs, so that running and finishing a job does not move entries in it), but each
    // state is in exactly one of these partial indexes. Final states come from conveyor_jobs_finished
    // without touching the table (it carries the queue); the others are few or small sets.
    internal const string QueueCountsSql = """
        SELECT queue, 'available', COUNT(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_claim
            WHERE state = 'available' GROUP BY queue
        UNION ALL
        SELECT queue, state, COUNT(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_finished
            WHERE finished_at IS NOT NULL GROUP BY queue, state
        UNION ALL
        SELECT queue, 'running', COUNT(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_lease
            WHERE state = 'running' GROUP BY queue
        UNION ALL
        SELECT queue, state, COUNT(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_due
            WHERE state IN ('scheduled', 'retrying') GROUP BY queue, state
        UNION ALL
        SELECT queue, 'waiting', COUNT(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_waiting
            WHERE state = 'waiting' GROUP BY queue
        """;

    private const string QueueRecordsSql = "SELECT name, paused, global_limit, rate_count, rate_period_us, ordered, max_backlog FROM conveyor_queues";

    private const string AvailableByKindSql = "SELECT queue, kind, count(*) FROM conveyor_jobs WHERE state = 'available' GROUP BY queue, kind";

    /// <inheritdoc />
    public Task<JobInfo?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync(session => JobRows.Find(session, parameters.Id), cancellationToken);
    }

    /// <summary>Jobs matching every given filter, newest first; a limit outside 1–1000 is clamped to it.</summary>
    public Task<JobPage> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var limit = Math.Clamp(parameters.Limit, 1, MaxPageSize);
        return ReadAsync(session =>
        {
            var jobs = new List<JobInfo>(Math.Min(limit, 64));
            var more = false;
            using var reader = session.Command(ListSql)
                .Bind("$before", parameters.BeforeId ?? long.MaxValue)
                .Bind("$state", parameters.State?.ToWireName())
                .Bind("$queue", parameters.Queue)
                .Bind("$kind", parameters.Kind)
                .Bind("$limit", limit + 1)
                .ExecuteReader();
            while (reader.Read())
            {
                if (jobs.Count == limit)
                {
                    more = true;
                    break;
                }
                jobs.Add(JobRows.ReadJob(reader));
            }
            return new JobPage(jobs, more ? jobs[^1].Id : null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync<IReadOnlyList<QueueInfo>>(session =>
        {
            var counts = new Dictionary<string, Dictionary<JobState, long>>(StringComparer.Ordinal);
            var settings = new Dictionary<string, QueueSettings>(StringComparer.Ordinal);
            var byKind = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
            // One read transaction: the counts and the pause records come from the same snapshot.
            session.Execute("BEGIN");
            try
            {
                using (var reader = session.Command(QueueCountsSql).ExecuteReader())
                {
                    while (reader.Read())
                        CountsOf(counts, reader.GetString(0))[JobRows.ParseState(reader.GetString(1))] = reader.GetInt64(2);
                }
                using (var reader = session.Command(QueueRecordsSql).ExecuteReader())
                {
                    while (reader.Read())
                    {
                        settings[reader.GetString(0)] = ReadSettings(reader, 1);
                        CountsOf(counts, reader.GetString(0));
                    }
                }
                using (var reader = session.Command(AvailableByKindSql).ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var queue = reader.GetString(0);
                        (byKind.TryGetValue(queue, out var kinds) ? kinds : byKind[queue] = new(StringComparer.Ordinal))[reader.GetString(1)] = reader.GetInt64(2);
                    }
                }
            }
            finally
            {
                session.Execute("COMMIT");
            }
            return counts
                .OrderBy(static pair => pair.Key, StringComparer.Ordinal)
                .Select(pair =>
                {
                    var queue = settings.GetValueOrDefault(pair.Key);
                    return new QueueInfo(pair.Key, queue?.Paused ?? false, pair.Value)
                    {
                        Limits = queue?.Limits ?? QueueLimits.None,
                        AvailableByKind = byKind.TryGetValue(pair.Key, out var kinds) ? kinds : new Dictionary<string, long>(),
                    };
                })
                .ToList();
        }, cancellationToken);
    }

    private static Dictionary<JobState, long> CountsOf(Dictionary<string, Dictionary<JobState, long>> counts, string queue)
    {
        if (!counts.TryGetValue(queue, out var perState))
        {
            perState = JobStates.All.ToDictionary(static state => state, static _ => 0L);
            counts.Add(queue, perState);
        }
        return perState;
    }
}
