using System.Diagnostics;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    // The server's counts of dead and live row versions in the jobs table (its statistics lag the writes by up to a
    // second), the row count the planner last recorded (-1: never), and whether this user may vacuum or analyze the
    // table: only its owner may (pg_has_role is true for superusers).
    private const string TableStateSql = """
        SELECT pg_stat_get_dead_tuples(c.oid), pg_stat_get_live_tuples(c.oid), c.reltuples, pg_has_role(c.relowner, 'USAGE')
        FROM pg_class AS c
        WHERE c.oid = '{s}.jobs'::regclass
        """;

    // Sessions keep their generic plans until the table's statistics change. Made while the planner counted no row
    // (an empty new table, or one a vacuum found empty after retention pruned it), the completion's plan walks the
    // whole table for every batch; an ANALYZE records the true count and every session plans again. Autovacuum
    // would analyze too, but at most once a minute by default.
    private const string AnalyzeSql = "ANALYZE (SKIP_LOCKED) {s}.jobs";

    /// <summary>The planner's recorded row count is stale when the table holds at least this many live rows and more than twice that count.</summary>
    internal const long AnalyzeFromLiveRows = 10_000;

    // INDEX_CLEANUP ON: by default a vacuum leaves the indexes alone when under 2 % of the heap's pages hold dead
    // rows, and the jobs claimed since the last vacuum sit on few pages; their dead entries in the claim index are
    // what the claims walk through. TRUNCATE OFF: handing empty pages at the table's end back to the OS takes an
    // ACCESS EXCLUSIVE lock, which would stop every claim meanwhile, and a queue's table fills them again soon.
    // SKIP_LOCKED: another vacuum (autovacuum, or a node that was leader a moment ago) is at it; nothing to do.
    private const string VacuumSql = "VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON, TRUNCATE OFF) {s}.jobs";

    // Environment.TickCount64 before which no vacuum starts (unless forced): the duty-cycle limit.
    private long _vacuumAllowedAt;

    /// <inheritdoc />
    /// <remarks>
    /// A vacuum is due when the server counts at least <see cref="PostgresStoreOptions.VacuumAfterDeadRows"/> dead row
    /// versions in the jobs table; otherwise an ANALYZE is due when the table holds at least
    /// <see cref="AnalyzeFromLiveRows"/> live rows and more than twice the count the planner recorded. Either waits
    /// until four times the last one's duration has passed since it ended: the vacuum of a big table costs more (it
    /// reads each index whole), so this spaces them out as the table grows.
    /// </remarks>
    public async Task<bool> ReclaimSpaceAsync(ReclaimSpaceParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var threshold = Options.VacuumAfterDeadRows;
        if (!parameters.Force && (threshold == 0 || Environment.TickCount64 < Volatile.Read(ref _vacuumAllowedAt)))
            return false;
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        long dead, live;
        float recorded;
        bool owner;
        await using (var check = new NpgsqlCommand(Sql(TableStateSql), connection))
        await using (var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            dead = reader.GetInt64(0);
            live = reader.GetInt64(1);
            recorded = reader.GetFloat(2);
            owner = reader.GetBoolean(3);
        }
        if (!owner)
            return false;
        string work;
        if (parameters.Force || dead >= threshold)
            work = VacuumSql;
        else if (live >= AnalyzeFromLiveRows && recorded < live / 2.0)
            work = AnalyzeSql;
        else
            return false;

        var started = Stopwatch.GetTimestamp();
        // No command timeout: the vacuum of a big table may take longer than Npgsql's 30 s default, and cutting it
        // short wastes all it did. A node that stops cancels it through the token.
        await using (var command = new NpgsqlCommand(Sql(work), connection) { CommandTimeout = 0 })
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        var took = Stopwatch.GetElapsedTime(started);
        Volatile.Write(ref _vacuumAllowedAt, Environment.TickCount64 + (long)(4 * took.TotalMilliseconds));
        return true;
    }
}
