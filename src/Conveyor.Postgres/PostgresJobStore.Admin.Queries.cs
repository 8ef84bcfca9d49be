using Conveyor.Postgres.Jobs;
using Conveyor.Storage;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    /// <summary>The largest page <see cref="ListJobsAsync"/> returns.</summary>
    private const int MaxPageSize = 1000;

    private const string GetSql = $"SELECT {JobRows.Columns} FROM {{s}}.jobs WHERE id = $1";

    private const string ListSql = $"""
        SELECT {JobRows.Columns} FROM {"{s}"}.jobs
        WHERE id < $1
          AND ($2::text IS NULL OR state = $2)
          AND ($3::text IS NULL OR queue = $3)
          AND ($4::text IS NULL OR kind = $4)
        ORDER BY id DESC
        LIMIT $5
        """;

    // One statement, so the counts, the available jobs per kind and the settings records come from one snapshot.
    private const string QueuesSql = """
        SELECT queue, state, count(*) AS n, NULL AS kind, NULL::boolean AS paused, NULL::integer, NULL::integer, NULL::interval, NULL::boolean, NULL::bigint
        FROM {s}.jobs GROUP BY queue, state
        UNION ALL
        SELECT queue, NULL, count(*), kind, NULL, NULL, NULL, NULL, NULL, NULL FROM {s}.jobs WHERE state = 'available' GROUP BY queue, kind
        UNION ALL
        SELECT name, NULL, NULL, NULL, paused, global_limit, rate_count, rate_period, ordered, max_backlog FROM {s}.queues
        """;

    /// <inheritdoc />
    public async Task<JobInfo?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(GetSql));
        command.Parameters.Long(parameters.Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? JobRows.ReadJob(reader) : null;
    }

    /// <summary>Jobs matching every given filter, newest first; a limit outside 1–1000 is clamped to it.</summary>
    public async Task<JobPage> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var limit = Math.Clamp(parameters.Limit, 1, MaxPageSize);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(ListSql));
        command.Parameters.Long(parameters.BeforeId ?? long.MaxValue).Text(parameters.State?.ToWireName())
            .Text(parameters.Queue).Text(parameters.Kind).Int(limit + 1);
        var jobs = new List<JobInfo>(Math.Min(limit, 64));
        var more = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (jobs.Count == limit)
                {
                    more = true;
                    break;
                }
                jobs.Add(JobRows.ReadJob(reader));
            }
        }
        return new JobPage(jobs, more ? jobs[^1].Id : null);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, Dictionary<JobState, long>>(StringComparer.Ordinal);
        var settings = new Dictionary<string, QueueSettings>(StringComparer.Ordinal);
        var byKind = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        await using (var command = _dataSource.CreateCommand(Sql(QueuesSql)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var queue = reader.GetString(0);
                var perState = CountsOf(counts, queue);
                if (!reader.IsDBNull(4))
                    settings[queue] = ReadSettings(reader, 4);
                else if (!reader.IsDBNull(3))
                    (byKind.TryGetValue(queue, out var kinds) ? kinds : byKind[queue] = new(StringComparer.Ordinal))[reader.GetString(3)] = reader.GetInt64(2);
                else
                    perState[JobRows.ParseState(reader.GetString(1))] = reader.GetInt64(2);
            }
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
