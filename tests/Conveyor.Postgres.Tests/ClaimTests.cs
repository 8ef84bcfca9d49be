using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres.Tests;

public sealed class ClaimTests
{
    [Fact]
    public async Task Claim_IsAnIndexWalk_NotAScan_WithAMillionQueuedJobs()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        // No autovacuum: an autoanalyze during the test would give the planner the statistics this test runs without.
        await schema.ScalarAsync<object>("ALTER TABLE {s}.jobs SET (autovacuum_enabled = false)");
        await schema.ScalarAsync<object>("""
            INSERT INTO {s}.jobs (kind, queue, state, args, priority, max_attempts, run_at, created_at)
            SELECT CASE WHEN n % 10 = 0 THEN 'other.job' ELSE 'test.job' END, CASE WHEN n % 4 = 0 THEN 'bulk' ELSE 'default' END,
                   CASE WHEN n % 20 = 0 THEN 'succeeded' ELSE 'available' END, '{}', n % 3, 10,
                   '2030-01-01T00:00:00Z'::timestamptz - n * interval '1 ms', '2029-12-31T00:00:00Z'
            FROM generate_series(1, 1000000) AS n
            """);
        // First vacuumed but not analyzed, as after a bulk load when a vacuum comes first: the planner knows the
        // table's size but nothing of its columns.
        await schema.ScalarAsync<object>("VACUUM {s}.jobs");

        await using var connection = await schema.OpenConnectionAsync();
        var sql = store.Sql(PostgresJobStore.ClaimSql);
        async Task<string> ExplainAsync(string settings)
        {
            // In a transaction: the store's settings are transaction-local, as they are in its claim batches.
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var set = new NpgsqlCommand(settings, connection, transaction))
                await set.ExecuteNonQueryAsync();
            await using var explain = new NpgsqlCommand("EXPLAIN " + sql, connection, transaction);
            explain.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "default" });
            explain.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = new DateTime(2030, 1, 1, 0, 0, 1, DateTimeKind.Utc) });
            explain.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["test.job", "other.job"] });
            explain.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 50 });
            explain.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "node-1" });
            explain.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = new DateTime(2030, 1, 1, 0, 0, 31, DateTimeKind.Utc) });
            explain.Parameters.Add(new NpgsqlParameter<byte[]?> { TypedValue = null, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
            explain.Parameters.Add(new NpgsqlParameter<DateTime?> { TypedValue = null, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            var text = await PlanText.ReadAsync(explain);
            await transaction.RollbackAsync();
            return text;
        }

        // Without stats a generic plan may read every available job and sort them (it did here, alone: 0.7 s a claim;
        // under the parallel test load the planner sometimes picks the walk anyway, so that is not asserted); the
        // store's settings keep the walk whatever the planner would pick.
        var unanalyzed = await ExplainAsync(PostgresJobStore.ExecutionSettingsSql);
        unanalyzed.ShouldContain("jobs_claim", customMessage: unanalyzed);
        unanalyzed.ShouldNotContain("Sort", customMessage: unanalyzed);
        unanalyzed.ShouldNotContain("Bitmap Heap Scan on jobs c", customMessage: unanalyzed);
        await schema.ScalarAsync<object>("ANALYZE {s}.jobs");

        // jit_above_cost = 0: any plan would be compiled unless the settings turn JIT off.
        foreach (var settings in new[] { "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL jit = off", "SET LOCAL jit_above_cost = 0; " + PostgresJobStore.ExecutionSettingsSql })
        {
            var text = await ExplainAsync(settings);
            text.ShouldContain("jobs_claim", customMessage: $"{settings}:\n{text}");
            text.ShouldNotContain("Seq Scan on jobs", customMessage: $"{settings}:\n{text}");
            // The claimed rows are updated through key probes, never by hashing the table against the candidates.
            text.ShouldContain("Index Scan using jobs_pkey", customMessage: $"{settings}:\n{text}");
            text.ShouldNotContain("Hash", customMessage: $"{settings}:\n{text}");
            // The store's settings turn JIT off: a generic plan's estimate on a million jobs can pass
            // jit_above_cost, and compiling the claim each time cut the rate to ~1,000 jobs/s.
            text.ShouldNotContain("JIT", customMessage: $"{settings}:\n{text}");
        }

        // Without that setting the same plan is compiled (where the server has JIT): the check above can fail.
        await using (var jitAvailable = new NpgsqlCommand("SELECT pg_jit_available()", connection))
        {
            if ((bool)(await jitAvailable.ExecuteScalarAsync())!)
                (await ExplainAsync("SET LOCAL jit_above_cost = 0; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL jit = on")).ShouldContain("JIT");
        }

        var claimed = await store.ClaimAsync(new ClaimJobsParams("node-1", "default", ["test.job", "other.job"], 50, Jobs.T0.AddSeconds(1), Jobs.T0.AddSeconds(31)));
        claimed.Count.ShouldBe(50);
        claimed.ShouldAllBe(c => c.Priority == 2);
    }

    [Fact]
    public async Task OrderingKey_AnInsertWaitsForAnUncommittedInsertOfTheSameKey_SoIdsFollowCommitOrder()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var first = await store.InsertManyAsync(new InsertJobsParams([Jobs.New(orderingKey: "k")], Jobs.T0, transaction));

        var second = store.InsertAsync(Jobs.New(orderingKey: "k"));
        var other = await store.InsertAsync(Jobs.New(orderingKey: "another-key")).WaitAsync(TimeSpan.FromSeconds(30));
        await schema.UntilSessionWaitsForAsync(connection.ProcessID);
        second.IsCompleted.ShouldBeFalse("the second job of the key must wait for the first one's transaction");
        await transaction.CommitAsync();

        var secondId = (await second.WaitAsync(TimeSpan.FromSeconds(30)))[0].Id;
        secondId.ShouldBeGreaterThan(first[0].Id);
        other[0].Existing.ShouldBeFalse();
        (await store.ClaimAsync(limit: 10)).Select(c => c.Id).ShouldBe([first[0].Id, other[0].Id], ignoreOrder: true);
    }

    [Fact]
    public async Task ClaimedJobs_CarryTheClaimsOwnQueueString_NotACopyPerJob()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        await store.InsertManyAsync(new InsertJobsParams([Jobs.New(kind: "mail.send"), Jobs.New(kind: "mail.sendall")], Jobs.T0));
        // Built at run time, so it is not the same instance as a literal the store could have kept.
        var queue = string.Concat("def", "ault");

        var claimed = await store.ClaimAsync(new ClaimJobsParams("node-1", queue, ["mail.send", "mail.sendall"], 10, Jobs.T0.AddSeconds(1), Jobs.T0.AddSeconds(31)));

        claimed.Count.ShouldBe(2);
        claimed.ShouldAllBe(job => ReferenceEquals(job.Queue, queue));
        claimed.Select(c => c.Kind).ShouldBe(["mail.send", "mail.sendall"], ignoreOrder: true);
    }

    [Fact]
    public async Task ConcurrentSingleEnqueues_AreWrittenTogether_AndEachGetsItsOwnIds()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            store.InsertManyAsync(new InsertJobsParams([Jobs.New(args: $$"""{"i":{{i}}}"""), Jobs.New(args: $$"""{"i":{{i}},"second":true}""")], Jobs.T0.AddSeconds(i)))));

        results.SelectMany(r => r.Select(x => x.Id)).Distinct().Count().ShouldBe(400);
        for (var i = 0; i < results.Length; i += 37)
        {
            var job = (await store.GetJobAsync(new GetJobParams(results[i][1].Id))).ShouldNotBeNull();
            job.ArgsJson.ShouldContain($"\"i\": {i}");
            job.CreatedAt.ShouldBe(Jobs.T0.AddSeconds(i));
            results[i][1].Id.ShouldBeGreaterThan(results[i][0].Id);
        }
    }
}

public sealed class AsyncCommitTests
{
    [Fact]
    public async Task AsyncCommit_IsScopedToTheExecutionTransaction_NotLeftOnPooledSessions()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore(o => o with { ConnectionString = o.ConnectionString + ";Maximum Pool Size=1" });
        await store.MigrateAsync();
        await store.InsertAsync(Jobs.New());

        var claimed = await store.ClaimAsync();
        await store.CompleteManyAsync(new CompleteJobsParams("node-1", [new JobCompletion(claimed[0].Id, 1, JobOutcome.Succeeded)], Jobs.T0.AddSeconds(2)));

        // The pool has one session: the one that just claimed and completed.
        await using var show = store.DataSource.CreateCommand("SHOW synchronous_commit");
        ((string)(await show.ExecuteScalarAsync())!).ShouldBe("on");
        await using var showPlans = store.DataSource.CreateCommand("SHOW plan_cache_mode");
        ((string)(await showPlans.ExecuteScalarAsync())!).ShouldBe("auto");
        (await store.GetJobAsync(new GetJobParams(claimed[0].Id)))!.State.ShouldBe(JobState.Succeeded);
    }
}

public sealed class HeartbeatTests
{
    [Fact]
    public async Task ExtendLeases_DoesNotWaitForARowAnotherTransactionHolds_AndStillCountsItAsHeld()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        await store.InsertAsync(Jobs.New(), Jobs.New());
        var claimed = await store.ClaimAsync();
        var connection = await schema.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand($"SELECT id FROM \"{schema.Name}\".jobs WHERE id = {claimed[0].Id} FOR UPDATE", connection, transaction))
            await hold.ExecuteNonQueryAsync();

        var lost = await store.ExtendLeasesAsync(new ExtendLeasesParams("node-1", [claimed[0].Id, claimed[1].Id, 987_654_321], Jobs.T0.AddSeconds(5), Jobs.T0.AddSeconds(90)))
            .WaitAsync(TimeSpan.FromSeconds(20));

        lost.ShouldBe([987_654_321]);
        (await store.GetJobAsync(new GetJobParams(claimed[1].Id)))!.LeaseExpiresAt.ShouldBe(Jobs.T0.AddSeconds(90));
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task CompletionsAndHeartbeats_ProbeThePrimaryKey_NotTheLeaseIndex()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        await schema.ScalarAsync<object>("""
            INSERT INTO {s}.jobs (kind, queue, state, args, max_attempts, run_at, created_at, node, attempt, lease_expires_at)
            SELECT 'test.job', 'default', CASE WHEN n % 100 = 0 THEN 'running' ELSE 'succeeded' END, '{}', 3, now(), now(), 'node-1', 1, now()
            FROM generate_series(1, 100000) AS n
            """);
        await schema.ScalarAsync<object>("ANALYZE {s}.jobs");
        var connection = await schema.OpenConnectionAsync();
        await using (var set = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", connection))
            await set.ExecuteNonQueryAsync();

        foreach (var sql in new[] { PostgresJobStore.SucceedSql, PostgresJobStore.ExtendSql })
        {
            await using var explain = new NpgsqlCommand("EXPLAIN " + store.Sql(sql), connection);
            explain.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "node-1" });
            if (sql == PostgresJobStore.SucceedSql)
            {
                explain.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow });
                explain.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [100, 200, 300] });
                explain.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [1, 1, 1] });
                explain.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [null, null, null] });
                explain.Parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [null, null, null] });
            }
            else
            {
                explain.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [100, 200, 300] });
                explain.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow });
            }
            var text = await PlanText.ReadAsync(explain);
            text.ShouldContain("jobs_pkey", customMessage: text);
            text.ShouldNotContain("jobs_lease", customMessage: text);
            text.ShouldNotContain("Seq Scan on jobs", customMessage: text);
            // One key probe per completed row; never the whole unnest again for every row found.
            if (sql == PostgresJobStore.SucceedSql)
                text.ShouldContain("Index Cond: (id = r.id)", customMessage: text);
        }
    }
}

public sealed class PromotionPlanTests
{
    [Fact]
    public async Task Promotion_WalksTheDueIndex_AndProbesTheKey_UnderItsGenericPlan()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        await schema.ScalarAsync<object>("""
            INSERT INTO {s}.jobs (kind, queue, state, args, max_attempts, run_at, created_at)
            SELECT 'test.job', 'default', CASE WHEN n % 10 = 0 THEN 'scheduled' ELSE 'succeeded' END, '{}', 3,
                   '2030-01-01T00:00:00Z'::timestamptz + n * interval '1 ms', '2029-12-31T00:00:00Z'
            FROM generate_series(1, 200000) AS n
            """);
        await schema.ScalarAsync<object>("ANALYZE {s}.jobs");
        await using var connection = await schema.OpenConnectionAsync();
        await using (var set = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", connection))
            await set.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand("EXPLAIN " + store.Sql(PostgresJobStore.PromoteSql), connection);
        explain.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = new DateTime(2030, 1, 1, 0, 0, 1, DateTimeKind.Utc) });
        explain.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1000 });
        var text = await PlanText.ReadAsync(explain);
        text.ShouldContain("jobs_due", customMessage: text);
        text.ShouldContain("Index Scan using jobs_pkey", customMessage: text);
        text.ShouldNotContain("Seq Scan on jobs", customMessage: text);
        text.ShouldNotContain("Hash", customMessage: text);

        (await store.PromoteDueJobsAsync(new PromoteDueJobsParams(new DateTimeOffset(2030, 1, 1, 0, 0, 1, TimeSpan.Zero), 1000))).ShouldBe(100);
    }
}

public sealed class BulkInsertTests
{
    [Fact]
    public async Task LargeBatch_WrittenByCopy_KeepsEveryField_AndInputOrder()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        // Rows are encoded by the store itself (BinaryCopyWriter): non-ASCII text, intervals of more than a day,
        // microseconds, and one row bigger than the encoder's 64 KB chunk are among them.
        var big = new string('x', 100_000);
        var jobs = Enumerable.Range(0, PostgresJobStore.CopyThreshold + 500).Select(i => Jobs.New(
            queue: i % 2 == 0 ? "even" : "odd", args: i == 1010 ? $$"""{"i":{{i}},"big":"{{big}}"}""" : $$"""{"i":{{i}},"s":"é✓"}""") with
        {
            Priority = i % 7 - 3,
            Timeout = i % 3 == 0 ? TimeSpan.FromSeconds(i) : i % 3 == 1 ? TimeSpan.FromDays(1.5) + TimeSpan.FromTicks(1230) : null,
            OrderingKey = i % 5 == 0 ? "key-" + (i % 4) : null,
            AffinityKey = i % 11 == 0 ? "tenant-é✓" : null,
            UniqueFor = null,
            BatchId = i % 13 == 0 ? 42 : null,
            State = i % 17 == 0 ? JobState.Scheduled : JobState.Available,
            RunAt = i % 17 == 0 ? Jobs.T0.AddHours(1) : Jobs.T0.AddTicks(1230),
        }).ToArray();

        var inserted = await store.InsertManyAsync(new InsertJobsParams(jobs, Jobs.T0.AddSeconds(-5)));

        inserted.Count.ShouldBe(jobs.Length);
        for (var i = 1; i < inserted.Count; i++)
            inserted[i].Id.ShouldBeGreaterThan(inserted[i - 1].Id);
        foreach (var i in new[] { 0, 1, 33, 55, 65, 143, 1009, 1010, 1011, jobs.Length - 1 })
        {
            var job = (await store.GetJobAsync(new GetJobParams(inserted[i].Id))).ShouldNotBeNull();
            job.ArgsJson.ShouldContain($"\"i\": {i}");
            job.ArgsJson.ShouldContain(i == 1010 ? big : "é✓");
            job.Queue.ShouldBe(jobs[i].Queue);
            job.Priority.ShouldBe(jobs[i].Priority);
            job.Timeout.ShouldBe(jobs[i].Timeout);
            job.OrderingKey.ShouldBe(jobs[i].OrderingKey);
            job.AffinityKey.ShouldBe(jobs[i].AffinityKey);
            job.BatchId.ShouldBe(jobs[i].BatchId);
            job.State.ShouldBe(jobs[i].State);
            job.RunAt.ShouldBe(jobs[i].RunAt);
            job.CreatedAt.ShouldBe(Jobs.T0.AddSeconds(-5));
            job.Errors.ShouldBeEmpty();
        }
        // The ordering keys hold across the copied rows: one job per key, the first of each.
        var claimed = await store.ClaimAsync(new ClaimJobsParams("n", "even", ["test.job"], 2000, Jobs.T0.AddSeconds(1), Jobs.T0.AddSeconds(31)));
        claimed.Where(c => c.OrderingKey is not null).GroupBy(c => c.OrderingKey).ShouldAllBe(g => g.Count() == 1);
    }

    [Fact]
    public async Task LargeBatch_InACallersTransaction_IsCopiedThere()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        var connection = await schema.OpenConnectionAsync();
        var jobs = Enumerable.Range(0, PostgresJobStore.CopyThreshold).Select(_ => Jobs.New()).ToArray();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await store.InsertManyAsync(new InsertJobsParams(jobs, Jobs.T0, transaction));
            await transaction.RollbackAsync();
        }
        (await store.ListJobsAsync(new ListJobsParams())).Jobs.ShouldBeEmpty();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await store.InsertManyAsync(new InsertJobsParams(jobs, Jobs.T0, transaction));
            await transaction.CommitAsync();
        }
        (await store.ListQueuesAsync(new ListQueuesParams())).Single().Counts[JobState.Available].ShouldBe(jobs.Length);
    }
}
