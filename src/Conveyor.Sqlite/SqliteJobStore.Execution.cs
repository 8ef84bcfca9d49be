using Conveyor.Serialization;
using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    // A claim reads its candidates in claim order (walking conveyor_jobs_claim; the ordering-key check
    // probes conveyor_jobs_ordering), then leases them by runs of consecutive ids; the immediate
    // transaction around both makes the claim atomic against every other process on the file. No RETURNING, no IN (SELECT …)
    // and no json_each: each of those makes SQLite build a temporary b-tree per execution, which cost
    // more than the claim itself. Kinds are matched while reading (a job of another kind is skipped),
    // against the node's kinds as UTF-8, so a claimed job's kind is the node's own string. No LIMIT
    // either: the index yields rows in claim order and the claim stops reading at its limit, whereas a
    // bound LIMIT makes SQLite plan the statement anew on every execution (the planner uses its value).
    // Ordering keys: a keyed job waits for every unfinished job of its key with a smaller id, and for a job of its key
    // cancelled while it ran until that attempt's lease has run out (its node stops the handler at its next heartbeat).
    internal const string ClaimSql = $"""
        SELECT j.id, j.kind, j.args, j.attempt, j.max_attempts, j.priority, j.timeout_us, j.ordering_key,
               j.affinity_key, j.batch_id, j.created_at, j.run_at, j.trace_parent, j.trace_state,
               CASE WHEN j.attempt > 0 AND j.errors <> '[]' THEN j.errors END
        FROM conveyor_jobs AS j
        WHERE j.queue = $queue AND j.state = 'available' AND j.run_at <= $now
          AND (j.ordering_key IS NULL OR (NOT EXISTS (
                SELECT 1 FROM conveyor_jobs AS o
                WHERE o.ordering_key = j.ordering_key AND o.id < j.id
                  AND o.state IN {JobRows.NonFinalStates})
              AND NOT EXISTS (
                SELECT 1 FROM conveyor_jobs AS h
                WHERE h.ordering_key = j.ordering_key AND h.state = 'cancelled'
                  AND h.ordering_key IS NOT NULL AND h.lease_expires_at IS NOT NULL AND h.lease_expires_at > $now)))
          AND NOT EXISTS (SELECT 1 FROM conveyor_queues WHERE name = $queue AND paused <> 0)
        ORDER BY j.priority DESC, j.run_at, j.id
        """;

    // Leases a run of consecutive ids in one statement (a FIFO queue claims runs of them); the claim
    // selected exactly these rows in this transaction, so the range holds nothing else.
    private const string LeaseSql = """
        UPDATE conveyor_jobs
        SET state = 'running', attempt = attempt + 1, node = ?1, started_at = ?2, lease_expires_at = ?3
        WHERE id >= ?4 AND id <= ?5
        """;

    // Completions are primary-key updates through prepared statements (plain successes by range, below),
    // with no JSON to build or parse. The fence (running, same node, same attempt) is in each WHERE.
    private const string Fence = "id = $id AND attempt = $attempt AND state = 'running' AND node = $node";

    private const string SucceedSql = $"""
        UPDATE conveyor_jobs SET state = 'succeeded', finished_at = $now, result = $result, started_at = COALESCE($started_at, started_at)
        WHERE {Fence}
        """;

    private const string RetrySql = $"""
        UPDATE conveyor_jobs
        SET state = 'retrying', run_at = COALESCE($retry_at, $now), started_at = COALESCE($started_at, started_at),
            errors = CASE WHEN $error IS NULL THEN errors ELSE json_insert(errors, '$[#]', json($error)) END
        WHERE {Fence}
        """;

    private const string DeadSql = $"""
        UPDATE conveyor_jobs
        SET state = 'dead', finished_at = $now, started_at = COALESCE($started_at, started_at),
            errors = CASE WHEN $error IS NULL THEN errors ELSE json_insert(errors, '$[#]', json($error)) END
        WHERE {Fence}
        """;

    private const string ReleaseSql = $"""
        UPDATE conveyor_jobs
        SET state = 'available', attempt = attempt - 1, node = NULL, started_at = NULL, lease_expires_at = NULL,
            progress_percent = NULL, progress_message = NULL, run_at = COALESCE($retry_at, run_at)
        WHERE {Fence}
        """;

    // Plain successes (no result, started at the claim) of consecutive ids and one attempt are applied by range when every job of
    // the range is still running on this node without an ordering key (counted first, in the same
    // transaction, so the UPDATE then changes exactly those rows); the others go one by one.
    private const string SucceedRangeCountSql = """
        SELECT count(*) FROM conveyor_jobs
        WHERE id >= ?1 AND id <= ?2 AND attempt = ?3 AND state = 'running' AND node = ?4 AND ordering_key IS NULL
        """;

    private const string SucceedRangeSql = """
        UPDATE conveyor_jobs SET state = 'succeeded', finished_at = ?5, result = NULL
        WHERE id >= ?1 AND id <= ?2 AND attempt = ?3 AND state = 'running' AND node = ?4
        """;

    // Read after a completion applied: its queue may now have a claimable job (the next of its ordering key).
    private const string QueueOfSql = "SELECT queue, ordering_key IS NOT NULL FROM conveyor_jobs WHERE id = $id";

    private const string ExtendSql = """
        UPDATE conveyor_jobs SET lease_expires_at = $lease
        WHERE id IN (SELECT value FROM json_each($ids)) AND state = 'running' AND node = $node
        RETURNING id
        """;

    private const string ProgressSql = """
        UPDATE conveyor_jobs SET progress_percent = $percent, progress_message = $message
        WHERE id = $id AND state = 'running' AND node = $node AND attempt = $attempt
        """;

    /// <inheritdoc />
    public Task<ClaimedJobs> ClaimAsync(ClaimJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters.Limit));
        if (parameters.Kinds.Count == 0)
            return Task.FromResult(ClaimedJobs.None);
        var kinds = KindsToMatch(parameters.Kinds);
        // A claim is reported at its commit, before the flush that makes it durable (the next one, a
        // millisecond or so later): the node's jobs start without waiting for the disk. A claim lost to a
        // power loss leaves its job available with the attempt not counted, which is what a rescue of
        // the dead node's lease would have done, minus the charge; every completion is flushed before it
        // is reported, and its flush carries the claim before it.
        return WriteAsync(scope => ClaimWithinLimits(scope.Session, parameters, kinds), cancellationToken, durable: false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> CompleteManyAsync(CompleteJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Completions.Count == 0)
            return Task.FromResult<IReadOnlyList<long>>([]);
        foreach (var completion in parameters.Completions)
        {
            if (!Enum.IsDefined(completion.Outcome))
                throw new ArgumentOutOfRangeException(nameof(parameters), completion.Outcome, "unknown job outcome");
        }
        var errors = CompletionErrors(parameters.Completions);
        return WriteAsync<IReadOnlyList<long>>(scope => Complete(scope, parameters, errors), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> ExtendLeasesAsync(ExtendLeasesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.JobIds.Count == 0)
            return Task.FromResult<IReadOnlyList<long>>([]);
        var ids = JsonLists.Ids(parameters.JobIds);
        return WriteAsync<IReadOnlyList<long>>(scope =>
        {
            var extended = new HashSet<long>();
            using (var reader = scope.Session.Command(ExtendSql)
                .Bind("$lease", UnixMicros.From(parameters.LeaseExpiresAt))
                .Bind("$ids", ids)
                .Bind("$node", parameters.NodeName)
                .ExecuteReader())
            {
                while (reader.Read())
                    extended.Add(reader.GetInt64(0));
            }
            var lost = new List<long>();
            foreach (var id in parameters.JobIds)
            {
                if (!extended.Contains(id) && !lost.Contains(id))
                    lost.Add(id);
            }
            return lost;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task ReportProgressAsync(ReportProgressParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope => scope.Session.Command(ProgressSql)
            .Bind("$percent", parameters.Percent)
            .Bind("$message", parameters.Message)
            .Bind("$id", parameters.Id)
            .Bind("$node", parameters.NodeName)
            .Bind("$attempt", parameters.Attempt)
            .ExecuteNonQuery(), cancellationToken);
    }

    /// <summary>The node's kinds as the claim matches them.</summary>
    private ClaimKinds KindsToMatch(IReadOnlyList<string> kinds)
    {
        // A node passes the same list on every claim: encode it once.
        var cached = Volatile.Read(ref _claimKinds);
        if (cached is not null && ReferenceEquals(cached.Kinds, kinds))
            return cached;
        var built = new ClaimKinds(kinds, [.. kinds.Select(static kind => System.Text.Encoding.UTF8.GetBytes(kind))]);
        Volatile.Write(ref _claimKinds, built);
        return built;
    }

    private sealed record ClaimKinds(IReadOnlyList<string> Kinds, byte[][] Utf8)
    {
        /// <summary>The node's own string for this kind, or null when the node does not run it.</summary>
        public string? Find(ReadOnlySpan<byte> kind)
        {
            for (var i = 0; i < Utf8.Length; i++)
            {
                if (kind.SequenceEqual(Utf8[i]))
                    return Kinds[i];
            }
            return null;
        }
    }

    // With "only" set, only that job may be claimed (an ordered queue's head).
    private static List<ClaimedJob> Claim(SqliteSession session, ClaimJobsParams parameters, ClaimKinds kinds, long? only = null)
    {
        var claimed = new List<ClaimedJob>(Math.Min(parameters.Limit, 256));
        var now = UnixMicros.From(parameters.Now);
        var candidates = session.Statement(ClaimSql);
        try
        {
            candidates.BindText(candidates.Parameter("$queue"), parameters.Queue);
            candidates.BindInt64(candidates.Parameter("$now"), now);
            while (claimed.Count < parameters.Limit && candidates.Step())
            {
                if (kinds.Find(candidates.GetUtf8(1)) is not { } kind || (only is { } id && candidates.GetInt64(0) != id))
                    continue;
                // Key affinity: a job whose key another node owns waits for it, within the grace (hashed here, not stored).
                if (parameters.Affinity is { } affinity && candidates.GetNullableString(8) is { } affinityKey
                    && !affinity.Admits(affinityKey, UnixMicros.ToTime(candidates.GetInt64(11))))
                    continue;
                claimed.Add(new ClaimedJob
                {
                    Id = candidates.GetInt64(0),
                    Kind = kind,
                    Queue = parameters.Queue,
                    ArgsJson = candidates.GetString(2),
                    Attempt = candidates.GetInt32(3) + 1,
                    MaxAttempts = candidates.GetInt32(4),
                    Priority = candidates.GetInt32(5),
                    Timeout = candidates.GetNullableInt64(6) is { } timeout ? UnixMicros.ToSpan(timeout) : null,
                    OrderingKey = candidates.GetNullableString(7),
                    AffinityKey = candidates.GetNullableString(8),
                    BatchId = candidates.GetNullableInt64(9),
                    CreatedAt = UnixMicros.ToTime(candidates.GetInt64(10)),
                    RunAt = UnixMicros.ToTime(candidates.GetInt64(11)),
                    TraceParent = candidates.GetNullableString(12),
                    TraceState = candidates.GetNullableString(13),
                    // Counted here rather than with json_each in the statement (see above); only a job claimed before can have lost a lease.
                    LostLeases = candidates.IsNull(14) ? 0 : JobErrorJson.CountOfType(candidates.GetUtf8(14), JobError.LeaseExpiredType),
                });
            }
        }
        finally
        {
            candidates.Reset();
        }

        // Leased only after the candidates were read: a statement must not change rows its own reading
        // statement is still walking.
        if (claimed.Count == 0)
            return claimed;
        var lease = session.Statement(LeaseSql);
        var leaseUntil = UnixMicros.From(parameters.LeaseExpiresAt);
        var ids = new long[claimed.Count];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = claimed[i].Id;
        Array.Sort(ids);
        foreach (var (first, last) in IdRuns.Of(ids))
        {
            lease.BindText(1, parameters.NodeName);
            lease.BindInt64(2, now);
            lease.BindInt64(3, leaseUntil);
            lease.BindInt64(4, first);
            lease.BindInt64(5, last);
            if (lease.Execute() != last - first + 1)
                throw new InvalidOperationException($"the claim selected jobs {first}-{last} but could not lease all of them");
        }
        return claimed;
    }

    /// <summary>The error JSON of each completion that has one (built before the writer runs), else null.</summary>
    private static string?[]? CompletionErrors(IReadOnlyList<JobCompletion> completions)
    {
        string?[]? errors = null;
        for (var i = 0; i < completions.Count; i++)
        {
            if (completions[i] is { Error: { } error, Outcome: JobOutcome.Retry or JobOutcome.Dead })
            {
                errors ??= new string?[completions.Count];
                errors[i] = JobErrorJson.ToJson(error);
            }
        }
        return errors;
    }

    // Outcomes are applied in this order (succeeded, retry, dead, released), each in input order, one
    // primary-key UPDATE per job.
    private static List<long> Complete(WriteScope scope, CompleteJobsParams parameters, string?[]? errors)
    {
        var refused = new List<long>();
        var session = scope.Session;
        var now = UnixMicros.From(parameters.Now);
        var completions = parameters.Completions;

        List<long>? succeeded = null;
        List<long>? dead = null;
        var done = SucceedInRuns(session, parameters, now, ref succeeded);
        for (var outcome = JobOutcome.Succeeded; outcome <= JobOutcome.Released; outcome++)
        {
            SqliteStatement? statement = null;
            for (var i = 0; i < completions.Count; i++)
            {
                var completion = completions[i];
                if (completion.Outcome != outcome || (done is not null && done[i]))
                    continue;
                statement ??= session.Statement(outcome switch
                {
                    JobOutcome.Succeeded => SucceedSql,
                    JobOutcome.Retry => RetrySql,
                    JobOutcome.Dead => DeadSql,
                    _ => ReleaseSql,
                });
                statement.BindInt64(statement.Parameter("$id"), completion.Id);
                statement.BindInt64(statement.Parameter("$attempt"), completion.Attempt);
                statement.BindText(statement.Parameter("$node"), parameters.NodeName);
                if (outcome != JobOutcome.Released)
                    statement.BindInt64(statement.Parameter("$started_at"), UnixMicros.From(completion.StartedAt));
                switch (outcome)
                {
                    case JobOutcome.Succeeded:
                        statement.BindInt64(statement.Parameter("$now"), now);
                        statement.BindText(statement.Parameter("$result"), completion.ResultJson);
                        break;
                    case JobOutcome.Retry:
                        statement.BindInt64(statement.Parameter("$now"), now);
                        statement.BindInt64(statement.Parameter("$retry_at"), UnixMicros.From(completion.RetryAt));
                        statement.BindText(statement.Parameter("$error"), errors?[i]);
                        break;
                    case JobOutcome.Dead:
                        statement.BindInt64(statement.Parameter("$now"), now);
                        statement.BindText(statement.Parameter("$error"), errors?[i]);
                        break;
                    case JobOutcome.Released:
                        statement.BindInt64(statement.Parameter("$retry_at"), UnixMicros.From(completion.RetryAt));
                        break;
                }
                if (statement.Execute() == 0)
                {
                    refused.Add(completion.Id); // fenced out: cancelled, rescued or deleted meanwhile
                    continue;
                }
                if (outcome == JobOutcome.Retry)
                    continue; // nothing to announce
                if (outcome == JobOutcome.Succeeded)
                    (succeeded ??= []).Add(completion.Id);
                else if (outcome == JobOutcome.Dead)
                    (dead ??= []).Add(completion.Id);
                AnnounceQueueOf(scope, completion.Id, always: outcome == JobOutcome.Released);
            }
            if (outcome == JobOutcome.Succeeded && succeeded is not null)
                Dependents.Release(scope, succeeded, now);
            if (outcome == JobOutcome.Dead && dead is not null)
                Dependents.CancelWaiting(session, dead, parameters.Now);
        }
        return refused;
    }

    /// <summary>
    /// Applies the plain successes that come in runs (see <see cref="SucceedRangeSql"/>); returns which
    /// completions it applied (null when none), adding their ids to <paramref name="succeeded"/>.
    /// </summary>
    private static bool[]? SucceedInRuns(SqliteSession session, CompleteJobsParams parameters, long now, ref List<long>? succeeded)
    {
        var completions = parameters.Completions;
        List<int>? plain = null;
        for (var i = 0; i < completions.Count; i++)
        {
            if (completions[i] is { Outcome: JobOutcome.Succeeded, ResultJson: null, StartedAt: null })
                (plain ??= []).Add(i);
        }
        if (plain is null || plain.Count < 2)
            return null;
        plain.Sort((a, b) => completions[a].Id.CompareTo(completions[b].Id));

        bool[]? done = null;
        // One range statement per run of consecutive ids with the same attempt (the statement checks one attempt).
        var runs = IdRuns.Spans(plain.Count, k => completions[plain[k]].Id,
            (start, k) => completions[plain[k]].Attempt == completions[plain[start]].Attempt);
        foreach (var (start, end) in runs)
        {
            if (end - start < 2 || !SucceedRange(session, parameters, now, completions[plain[start]].Id, completions[plain[end - 1]].Id, completions[plain[start]].Attempt))
                continue;
            done ??= new bool[completions.Count];
            succeeded ??= [];
            for (var k = start; k < end; k++)
            {
                done[plain[k]] = true;
                succeeded.Add(completions[plain[k]].Id);
            }
        }
        return done;
    }

    private static bool SucceedRange(SqliteSession session, CompleteJobsParams parameters, long now, long first, long last, int attempt)
    {
        var count = session.Statement(SucceedRangeCountSql);
        long eligible;
        try
        {
            count.BindInt64(1, first);
            count.BindInt64(2, last);
            count.BindInt64(3, attempt);
            count.BindText(4, parameters.NodeName);
            eligible = count.Step() ? count.GetInt64(0) : 0;
        }
        finally
        {
            count.Reset();
        }
        if (eligible != last - first + 1)
            return false;
        var succeed = session.Statement(SucceedRangeSql);
        succeed.BindInt64(1, first);
        succeed.BindInt64(2, last);
        succeed.BindInt64(3, attempt);
        succeed.BindText(4, parameters.NodeName);
        succeed.BindInt64(5, now);
        if (succeed.Execute() != eligible)
            throw new InvalidOperationException($"completing jobs {first}-{last} changed a different number of them than were running");
        return true;
    }

    /// <summary>
    /// Announces the queue of a job that just left <c>running</c>: <paramref name="always"/> (it is
    /// available again), or when it has an ordering key (the next job of that key may be claimable).
    /// </summary>
    private static void AnnounceQueueOf(WriteScope scope, long id, bool always)
    {
        var queueOf = scope.Session.Statement(QueueOfSql);
        try
        {
            queueOf.BindInt64(queueOf.Parameter("$id"), id);
            if (queueOf.Step() && (always || queueOf.GetInt32(1) != 0))
                scope.JobsAvailable(queueOf.GetString(0));
        }
        finally
        {
            queueOf.Reset();
        }
    }
}
