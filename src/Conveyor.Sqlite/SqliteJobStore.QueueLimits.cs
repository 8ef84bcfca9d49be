using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

// Claims from limited queues (global limit, rate limit, ordered) and the backlog limit of inserts. Both run in the
// writer's transaction, which every process on the file takes in turn: the counts they read are exact.
public sealed partial class SqliteJobStore
{
    // One primary-key probe per claim: the claims of an unlimited queue pay nothing else.
    private const string LimitedProbeSql = """
        SELECT paused, global_limit, rate_count, rate_period_us, ordered FROM conveyor_queues
        WHERE name = ?1 AND (global_limit IS NOT NULL OR rate_count IS NOT NULL OR ordered <> 0)
        """;

    // Running jobs are read through conveyor_jobs_lease: the count costs the running jobs of the file, not the table.
    private const string RunningSql = "SELECT count(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_lease WHERE state = 'running' AND queue = $queue";

    private const string PruneStartsSql = "DELETE FROM conveyor_queue_starts WHERE queue = $queue AND started_at <= $before";

    private const string CountStartsSql = "SELECT count(*) FROM conveyor_queue_starts WHERE queue = $queue AND started_at > $since";

    // One row per job the claim took, in one statement.
    private const string LogStartsSql = """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
        INSERT INTO conveyor_queue_starts (queue, started_at) SELECT $queue, $at FROM n
        """;

    // The start that filled the window to the limit: the window frees one period after it.
    private const string FillingStartSql = """
        SELECT started_at FROM conveyor_queue_starts WHERE queue = $queue AND started_at > $since ORDER BY started_at DESC LIMIT 1 OFFSET $offset
        """;

    // An ordered queue's head: its unfinished job with the smallest id, found through the index of each state. INDEXED BY:
    // left to itself, SQLite answers min(id) by walking the rowids from the oldest job, past every finished one.
    private const string OrderedHeadSql = """
        SELECT min(id) FROM (
            SELECT min(id) AS id FROM conveyor_jobs INDEXED BY conveyor_jobs_claim WHERE state = 'available' AND queue = $queue
            UNION ALL SELECT min(id) FROM conveyor_jobs INDEXED BY conveyor_jobs_lease WHERE state = 'running' AND queue = $queue
            UNION ALL SELECT min(id) FROM conveyor_jobs INDEXED BY conveyor_jobs_due WHERE state IN ('scheduled', 'retrying') AND queue = $queue
            UNION ALL SELECT min(id) FROM conveyor_jobs INDEXED BY conveyor_jobs_waiting WHERE state = 'waiting' AND queue = $queue)
        """;

    private const string BacklogLimitSql = "SELECT max_backlog FROM conveyor_queues WHERE name = $queue AND max_backlog IS NOT NULL";

    // Counted through the index of each state (which holds the queue), not by a scan of the table.
    private const string BacklogSql = """
        SELECT (SELECT count(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_claim WHERE state = 'available' AND queue = $queue)
             + (SELECT count(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_due WHERE state IN ('scheduled', 'retrying') AND queue = $queue)
             + (SELECT count(*) FROM conveyor_jobs INDEXED BY conveyor_jobs_waiting WHERE state = 'waiting' AND queue = $queue)
        """;

    /// <summary>A claim that applies the queue's limits, if it has any (see <see cref="IJobExecutionStore.ClaimAsync"/>).</summary>
    private static ClaimedJobs ClaimWithinLimits(SqliteSession session, ClaimJobsParams parameters, ClaimKinds kinds)
    {
        var probe = session.Statement(LimitedProbeSql);
        bool paused;
        int? globalLimit;
        RateLimit? rate;
        bool ordered;
        try
        {
            probe.BindText(1, parameters.Queue);
            if (!probe.Step())
                return new ClaimedJobs(Claim(session, parameters, kinds));
            paused = probe.GetInt64(0) != 0;
            globalLimit = (int?)probe.GetNullableInt64(1);
            rate = probe.GetNullableInt64(2) is { } count && probe.GetNullableInt64(3) is { } period ? new RateLimit((int)count, UnixMicros.ToSpan(period)) : null;
            ordered = probe.GetInt64(4) != 0;
        }
        finally
        {
            probe.Reset();
        }
        if (paused)
            return new ClaimedJobs([], limited: true);

        var queue = parameters.Queue;
        var now = UnixMicros.From(parameters.Now);
        var room = parameters.Limit;
        var running = Scalar(session.Command(RunningSql).Bind("$queue", queue));
        if (globalLimit is { } global)
            room = (int)Math.Min(room, global - running);
        if (rate is not null)
        {
            session.Command(PruneStartsSql).Bind("$queue", queue).Bind("$before", now - UnixMicros.FromSpan(rate.StartLogRetention)).ExecuteNonQuery();
            room = (int)Math.Min(room, rate.Count - Scalar(session.Command(CountStartsSql).Bind("$queue", queue).Bind("$since", now - UnixMicros.FromSpan(rate.Period))));
        }
        long? head = null;
        if (ordered && room > 0)
        {
            head = running > 0 ? null : session.Command(OrderedHeadSql).Bind("$queue", queue).ExecuteScalar() as long?;
            room = head is null ? 0 : 1;
        }
        List<ClaimedJob> claimed = room > 0 ? Claim(session, parameters with { Limit = room }, kinds, head) : [];
        DateTimeOffset? nextStartAt = null;
        if (rate is not null)
        {
            if (claimed.Count > 0)
                session.Command(LogStartsSql).Bind("$count", claimed.Count).Bind("$queue", queue).Bind("$at", now).ExecuteNonQuery();
            var filling = session.Command(FillingStartSql).Bind("$queue", queue).Bind("$since", now - UnixMicros.FromSpan(rate.Period))
                .Bind("$offset", rate.Count - 1).ExecuteScalar();
            if (filling is long at)
                nextStartAt = UnixMicros.ToTime(at) + rate.Period;
        }
        return new ClaimedJobs(claimed, limited: true, nextStartAt);
    }

    /// <summary>Throws <see cref="QueueBacklogFullException"/> when the jobs just inserted overfilled a queue's backlog (the writer then rolls them back).</summary>
    private static void EnsureBacklogRoom(SqliteSession session, InsertJobsParams parameters, IReadOnlyList<InsertedJob> inserted)
    {
        Dictionary<string, long>? added = null;
        for (var i = 0; i < parameters.Jobs.Count; i++)
        {
            if (inserted[i].Existing) continue;
            added ??= new(StringComparer.Ordinal);
            added[parameters.Jobs[i].Queue] = added.GetValueOrDefault(parameters.Jobs[i].Queue) + 1;
        }
        if (added is null) return;
        foreach (var (queue, count) in added)
        {
            if (session.Command(BacklogLimitSql).Bind("$queue", queue).ExecuteScalar() is not long limit) continue;
            var backlog = Scalar(session.Command(BacklogSql).Bind("$queue", queue));
            if (backlog > limit)
                throw new QueueBacklogFullException(queue, limit, Math.Max(0, backlog - count));
        }
    }

    private static long Scalar(Microsoft.Data.Sqlite.SqliteCommand command) => (long)command.ExecuteScalar()!;
}
