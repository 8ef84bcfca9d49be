using System.Diagnostics;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    // The server's count of dead row versions in the jobs table (its statistics lag the writes by up to a second),
    // and whether this user may vacuum the table: only its owner may (pg_has_role is true for superusers).
    private const string DeadRowsSql = """
        SELECT pg_stat_get_dead_tuples(c.oid), pg_has_role(c.relowner, 'USAGE')
        FROM pg_class AS c
        WHERE c.oid = '{s}.jobs'::regclass
        """;

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
    /// Due when the server counts at least <see cref="PostgresStoreOptions.VacuumAfterDeadRows"/> dead row versions
    /// in the jobs table and at least four times the last vacuum's duration has passed since it ended. The vacuum of
    /// a big table costs more (it reads each index whole), so this spaces vacuums out as the table grows.
    /// </remarks>
    public async Task<bool> ReclaimSpaceAsync(ReclaimSpaceParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var threshold = Options.VacuumAfterDeadRows;
        if (!parameters.Force && (threshold == 0 || Environment.TickCount64 < Volatile.Read(ref _vacuumAllowedAt)))
            return false;
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        long dead;
        bool owner;
        await using (var check = new NpgsqlCommand(Sql(DeadRowsSql), connection))
        await using (var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            dead = reader.GetInt64(0);
            owner = reader.GetBoolean(1);
        }
        if (!owner || (!parameters.Force && dead < threshold))
            return false;

        var started = Stopwatch.GetTimestamp();
        // No command timeout: the vacuum of a big table may take longer than Npgsql's 30 s default, and cutting it
        // short wastes all it did. A node that stops cancels it through the token.
        await using (var vacuum = new NpgsqlCommand(Sql(VacuumSql), connection) { CommandTimeout = 0 })
            await vacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        var took = Stopwatch.GetElapsedTime(started);
        Volatile.Write(ref _vacuumAllowedAt, Environment.TickCount64 + (long)(4 * took.TotalMilliseconds));
        return true;
    }
}
