using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Conveyor.Postgres.Jobs;
using Conveyor.Postgres.Schema;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

/// <summary>
/// Claims from limited queues (global limit, rate limit, ordered) and the backlog error. docs/flow-control.md tells
/// what each limit costs.
/// </summary>
/// <remarks>
/// A limited claim is one round trip of three statements in one implicit transaction: lock the queue's settings row
/// (<c>FOR UPDATE</c>: limited claims of one queue take turns, cluster-wide), claim, read when the rate window frees.
/// The claim is a statement of its own after the lock, so in READ COMMITTED its snapshot sees every claim that held
/// the lock before: the count of running jobs and of recent starts is exact. The hot claim (<see cref="ClaimSql"/>)
/// claims nothing from a limited queue; its first statement tells whether the queue is limited, and the store then
/// remembers the queue (<see cref="_limitedQueues"/>) and goes straight to this path.
/// </remarks>
public sealed partial class PostgresJobStore
{
    /// <summary>The SQL test of a queues row <c>q</c> whose claims are limited.</summary>
    private const string LimitsClaimsSql = "(q.global_limit IS NOT NULL OR q.rate_count IS NOT NULL OR q.ordered)";

    private const string LockQueueSql = "SELECT 1 FROM {s}.queues WHERE name = $1 FOR UPDATE";

    // Running jobs are counted through jobs_lease (every running job has a lease), so the count costs the running jobs
    // of the cluster, never the table. An ordered queue's head is its unfinished job with the smallest id, asked of the
    // index of each state (one min(id) over all states would walk the primary key past every finished job).
    private const string LimitedClaimSql = $$"""
        WITH q AS (
            SELECT global_limit, rate_count, rate_period, ordered FROM {s}.queues WHERE name = $1 AND NOT paused
        ), room AS (
            SELECT q.ordered, GREATEST(0, LEAST($4,
                CASE WHEN q.global_limit IS NULL THEN $4 ELSE q.global_limit - (
                    SELECT count(*) FROM {s}.jobs AS r WHERE r.state = 'running' AND r.lease_expires_at IS NOT NULL AND r.queue = $1) END,
                CASE WHEN q.rate_count IS NULL THEN $4 ELSE q.rate_count - (
                    SELECT count(*) FROM {s}.queue_starts AS s WHERE s.queue = $1 AND s.started_at > $2 - q.rate_period) END,
                CASE WHEN q.ordered THEN 1 ELSE $4 END)) AS n
            FROM q
        ), picked AS (
            SELECT c.id FROM {s}.jobs AS c
            WHERE c.state = 'available' AND c.queue = $1 AND c.run_at <= $2 AND c.kind = ANY ($3)
              AND {{OrderingKeyFreeSql}}
              AND ((SELECT NOT ordered FROM room) OR c.id = (SELECT min(head.id) FROM (
                    SELECT min(u.id) AS id FROM {s}.jobs AS u WHERE u.state = 'available' AND u.queue = $1
                    UNION ALL SELECT min(u.id) FROM {s}.jobs AS u WHERE u.state = 'running' AND u.lease_expires_at IS NOT NULL AND u.queue = $1
                    UNION ALL SELECT min(u.id) FROM {s}.jobs AS u WHERE u.state IN ('scheduled', 'retrying') AND u.queue = $1
                    UNION ALL SELECT min(u.id) FROM {s}.jobs AS u WHERE u.state = 'waiting' AND u.queue = $1) AS head))
            ORDER BY c.priority DESC, c.run_at, c.id
            LIMIT (SELECT COALESCE(max(n), 0) FROM room)
            FOR NO KEY UPDATE OF c SKIP LOCKED
        ), claimed AS (
            UPDATE {s}.jobs AS j
            SET state = 'running', attempt = j.attempt + 1, node = $5, started_at = $2, lease_expires_at = $6
            FROM picked
            WHERE j.id = picked.id
            RETURNING j.id, j.kind, j.queue, j.args, j.attempt, j.max_attempts, j.priority, j.timeout, j.ordering_key,
                      j.affinity_key, j.batch_id, j.created_at, j.run_at, j.trace_parent, j.trace_state, {{LostLeasesSql}}
        ), logged AS (
            INSERT INTO {s}.queue_starts (queue, started_at)
            SELECT $1, $2 FROM claimed WHERE EXISTS (SELECT 1 FROM q WHERE q.rate_count IS NOT NULL)
        ), pruned AS (
            -- Kept for RateLimit.StartLogRetention (the window and a margin of RateLimit.MinStartLogMarginSeconds) as in every
            -- store; computed here from the queue's row.
            DELETE FROM {s}.queue_starts AS s
            WHERE s.queue = $1 AND s.started_at <= $2 - (SELECT q.rate_period + GREATEST(q.rate_period, interval '10 seconds') FROM q)
        )
        SELECT id, kind, queue, args, attempt, max_attempts, priority, timeout, ordering_key, affinity_key, batch_id, created_at, run_at,
               trace_parent, trace_state, lost_leases
        FROM claimed
        """;

    // After the claim, in a new snapshot that sees its starts: whether the queue is still limited, and when its rate
    // window frees (the start that filled the window to the limit leaves it one period after it was made).
    private const string ClaimLimitsAfterSql = $$"""
        SELECT {{LimitsClaimsSql}},
               (SELECT w.started_at FROM (
                    SELECT s.started_at, row_number() OVER (ORDER BY s.started_at DESC) AS n
                    FROM {s}.queue_starts AS s WHERE s.queue = $1 AND s.started_at > $2 - q.rate_period) AS w
                WHERE w.n = q.rate_count) + q.rate_period
        FROM {s}.queues AS q WHERE q.name = $1
        """;

    /// <summary>Queues this store found limited: their claims go straight to <see cref="ClaimLimitedAsync"/>.</summary>
    private readonly ConcurrentDictionary<string, byte> _limitedQueues = new(StringComparer.Ordinal);

    /// <summary>The first statement of a hot claim: the execution settings, then whether the queue is limited.</summary>
    private NpgsqlBatchCommand ClaimSettingsCommand(string queue)
    {
        var settings = Options.AsyncCommitForExecution ? ExecutionSettingsAsyncCommitSql : ExecutionSettingsSql;
        var command = new NpgsqlBatchCommand(Sql($"{settings}, EXISTS (SELECT 1 FROM {{s}}.queues AS q WHERE q.name = $1 AND {LimitsClaimsSql})"));
        command.Parameters.Text(queue);
        return command;
    }

    /// <summary>Reads the row of <see cref="ClaimSettingsCommand"/>: true when the queue is limited.</summary>
    private static async Task<bool> ReadClaimSettingsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var limited = reader.GetBoolean(reader.FieldCount - 1);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return limited;
    }

    /// <summary>A claim from a queue with limits: see the remarks of this part.</summary>
    private async Task<ClaimedJobs> ClaimLimitedAsync(ClaimJobsParams parameters, CancellationToken cancellationToken)
    {
        await using var session = await _hot.RentAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = session.Connection.CreateBatch();
        var lockQueue = new NpgsqlBatchCommand(Sql(LockQueueSql));
        lockQueue.Parameters.Text(parameters.Queue);
        batch.BatchCommands.Add(lockQueue);
        var claim = new NpgsqlBatchCommand(Sql(LimitedClaimSql));
        claim.Parameters.Text(parameters.Queue).Time(parameters.Now).Texts([.. parameters.Kinds]).Int(parameters.Limit)
            .Text(parameters.NodeName).Time(parameters.LeaseExpiresAt);
        batch.BatchCommands.Add(claim);
        var after = new NpgsqlBatchCommand(Sql(ClaimLimitsAfterSql));
        after.Parameters.Text(parameters.Queue).Time(parameters.Now);
        batch.BatchCommands.Add(after);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var jobs = await ReadClaimedAsync(reader, parameters, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var limited = false;
        DateTimeOffset? nextStartAt = null;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            limited = reader.GetBoolean(0);
            nextStartAt = reader.IsDBNull(1) ? null : JobRows.Time(reader, 1);
        }
        if (!limited) _limitedQueues.TryRemove(parameters.Queue, out _);
        return new ClaimedJobs(jobs, limited, nextStartAt);
    }

    /// <summary>The backlog trigger's error as <see cref="QueueBacklogFullException"/>; null for any other error.</summary>
    /// <remarks>Read from the message: Npgsql redacts an error's detail unless the connection string asks for it.</remarks>
    internal static QueueBacklogFullException? BacklogFull(PostgresException error)
    {
        if (error.SqlState != PostgresMigrations.BacklogFullSqlState) return null;
        var match = BacklogFullMessage().Match(error.MessageText);
        return match.Success
            ? new QueueBacklogFullException(match.Groups[1].Value, long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture))
            : null;
    }

    [GeneratedRegex(@"^queue (\S+) is full: its backlog limit is (\d+) jobs and it holds (-?\d+)$")]
    private static partial Regex BacklogFullMessage();
}
