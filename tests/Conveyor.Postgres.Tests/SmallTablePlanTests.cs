using Npgsql;

namespace Conveyor.Postgres.Tests;

/// <summary>
/// A session keeps the generic plan of an execution statement until an ANALYZE or a vacuum of the table invalidates
/// it. Made while the jobs table was small (a new deployment's first jobs) or while a vacuum had just recorded it as
/// empty (retention pruned it), that plan must still probe keys once the table has grown. A completion that read
/// the whole table instead took 50–130 ms per batch of ~400 jobs in the bench.
/// </summary>
/// <remarks>
/// The completion planned right after a vacuum of an emptied table still walks the whole primary key: no setting
/// keeps it from that. What ends it is the leader's ANALYZE once the table holds far more rows than the planner
/// recorded (<see cref="PostgresJobStore.AnalyzeFromLiveRows"/>), tested last here. Without <c>enable_seqscan = off</c>
/// in the execution settings the first two tests fail, and the second also without the heartbeat's key bound.
/// </remarks>
public sealed class SmallTablePlanTests
{
    private static readonly Statement[] Statements =
    [
        new("claim", "(text, timestamptz, text[], integer, text, timestamptz, bytea, timestamptz)", PostgresJobStore.ClaimSql,
            "('default', now(), '{test.job}', 16, 'node-1', now(), NULL, NULL)", ["jobs_claim", "Index Cond: (id = ANY"]),
        new("succeed", "(text, timestamptz, bigint[], integer[], text[], timestamptz[])", PostgresJobStore.SucceedSql,
            "('node-1', now(), '{100,200,300}', '{1,1,1}', '{NULL,NULL,NULL}', '{NULL,NULL,NULL}')", ["Index Cond: (id = r.id)"]),
        new("extend", "(text, bigint[], timestamptz)", PostgresJobStore.ExtendSql,
            "('node-1', '{100,200,300}', now())", ["Index Cond: (id = ANY"]),
    ];

    private static Statement Claim => Statements[0];
    private static Statement Succeed => Statements[1];
    private static Statement Extend => Statements[2];

    [Fact]
    public async Task PlannedOnANewSmallTable_ClaimCompletionAndHeartbeat_StillProbeKeys_OnceItHasGrown()
    {
        await using var planned = await PlannedSession.CreateAsync(emptiedByAVacuum: false);

        await ShouldProbeKeysAsync(planned.Connection, Statements);
    }

    [Fact]
    public async Task PlannedRightAfterAVacuumOfAnEmptiedTable_ClaimAndHeartbeat_StillProbeKeys_OnceItHasGrown()
    {
        await using var planned = await PlannedSession.CreateAsync(emptiedByAVacuum: true);

        await ShouldProbeKeysAsync(planned.Connection, [Claim, Extend]);
    }

    [Fact]
    public async Task AfterAVacuumOfAnEmptiedTable_TheLeadersAnalyze_OnceTheTableHasGrown_MakesTheCompletionProbeKeysAgain()
    {
        await using var planned = await PlannedSession.CreateAsync(emptiedByAVacuum: true);
        var before = await ExplainAsync(planned.Connection, Succeed);

        // The server counts the new rows within a second or so; the leader asks every 250 ms.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await planned.Store.ReclaimSpaceAsync(new Storage.ReclaimSpaceParams()) && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        (await planned.Schema.ScalarAsync<float>("SELECT reltuples FROM pg_class WHERE oid = '{s}.jobs'::regclass")).ShouldBeGreaterThan(50_000);
        (await planned.Schema.ScalarAsync<long>("SELECT pg_stat_get_vacuum_count('{s}.jobs'::regclass)")).ShouldBe(1, "an ANALYZE, not another vacuum");
        var after = await ExplainAsync(planned.Connection, Succeed);
        after.ShouldContain("Index Cond: (id = r.id)", customMessage: $"before:\n{before}\n\nafter:\n{after}");
        WholeIndexWalks(after).ShouldBeEmpty(after);
    }

    private static async Task ShouldProbeKeysAsync(NpgsqlConnection connection, Statement[] statements)
    {
        var plans = new List<string>();
        foreach (var statement in statements)
            plans.Add($"{statement.Name}:\n" + await ExplainAsync(connection, statement));
        var all = string.Join("\n\n", plans);
        for (var i = 0; i < statements.Length; i++)
        {
            plans[i].ShouldNotContain("Seq Scan on jobs", customMessage: all);
            WholeIndexWalks(plans[i]).ShouldBeEmpty(all);
            foreach (var expected in statements[i].Expected)
                plans[i].ShouldContain(expected, customMessage: all);
        }
    }

    /// <summary>Index scans of the jobs table with no index condition: walks of the whole index, as costly as a table scan.</summary>
    private static List<string> WholeIndexWalks(string plan)
    {
        var lines = plan.Split('\n');
        var walks = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].Contains(" Scan using ", StringComparison.Ordinal) || !lines[i].Contains(" on jobs", StringComparison.Ordinal)) continue;
            var next = i + 1 < lines.Length ? lines[i + 1].TrimStart() : "";
            if (!next.StartsWith("Index Cond:", StringComparison.Ordinal)) walks.Add(lines[i].Trim());
        }
        return walks;
    }

    /// <summary>The plan the session uses now for <paramref name="statement"/>, under the store's execution settings.</summary>
    private static async Task<string> ExplainAsync(NpgsqlConnection connection, Statement statement)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await RunAsync(connection, transaction, PostgresJobStore.ExecutionSettingsSql);
        await using var explain = new NpgsqlCommand($"EXPLAIN EXECUTE {statement.Name} {statement.Arguments}", connection, transaction);
        var text = await PlanText.ReadAsync(explain);
        await transaction.RollbackAsync();
        return text;
    }

    private static async Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A statement prepared by name, the arguments to run it with, and what its plan must show.</summary>
    private sealed record Statement(string Name, string Signature, string Sql, string Arguments, string[] Expected);

    /// <summary>
    /// A schema whose jobs table was small when one session planned every statement (cached generic plans), and has
    /// grown to 100,000 rows since.
    /// </summary>
    private sealed class PlannedSession : IAsyncDisposable
    {
        private PlannedSession(TempSchema schema, PostgresJobStore store, NpgsqlConnection connection)
        {
            Schema = schema;
            Store = store;
            Connection = connection;
        }

        public TempSchema Schema { get; }
        public PostgresJobStore Store { get; }
        public NpgsqlConnection Connection { get; }

        /// <param name="emptiedByAVacuum">
        /// Plan on the table retention and the leader's vacuum leave (pages, and a recorded count of no live row),
        /// rather than on a new table holding a few jobs.
        /// </param>
        public static async Task<PlannedSession> CreateAsync(bool emptiedByAVacuum)
        {
            var schema = new TempSchema();
            var store = schema.OpenStore();
            await store.MigrateAsync();
            // No autovacuum: its ANALYZE would tell the planner the truth and invalidate the plans under test.
            await schema.ScalarAsync<object>("ALTER TABLE {s}.jobs SET (autovacuum_enabled = false)");
            if (emptiedByAVacuum)
            {
                await schema.ScalarAsync<object>(InsertSql(1_000));
                await schema.ScalarAsync<object>("DELETE FROM {s}.jobs");
                await schema.ScalarAsync<object>("VACUUM (INDEX_CLEANUP ON, TRUNCATE OFF) {s}.jobs");
            }
            else
            {
                await schema.ScalarAsync<object>(InsertSql(5));
            }
            var connection = await schema.OpenConnectionAsync();
            foreach (var statement in Statements)
                await PrepareAsync(connection, statement, store);
            await schema.ScalarAsync<object>(InsertSql(100_000));
            return new PlannedSession(schema, store, connection);
        }

        /// <summary>Drops the schema; it disposes the store and the session it opened.</summary>
        public ValueTask DisposeAsync() => Schema.DisposeAsync();

        private static string InsertSql(int rows) => $$"""
            INSERT INTO {s}.jobs (kind, queue, state, args, max_attempts, run_at, created_at, node, attempt, lease_expires_at)
            SELECT 'test.job', 'default', CASE n % 100 WHEN 0 THEN 'running' WHEN 1 THEN 'available' ELSE 'succeeded' END, '{}', 3,
                   now(), now(), 'node-1', 1, now()
            FROM generate_series(1, {{rows}}) AS n
            """;

        /// <summary>Prepares a statement and runs it once under the store's settings: that makes and caches its generic plan.</summary>
        private static async Task PrepareAsync(NpgsqlConnection connection, Statement statement, PostgresJobStore store)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await RunAsync(connection, transaction, PostgresJobStore.ExecutionSettingsSql);
            await RunAsync(connection, transaction, $"PREPARE {statement.Name} {statement.Signature} AS {store.Sql(statement.Sql)}");
            await RunAsync(connection, transaction, $"EXECUTE {statement.Name} {statement.Arguments}");
            // Rolled back: the claim's and completion's writes go, the prepared statement and its plan stay.
            await transaction.RollbackAsync();
        }
    }
}
