using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Tests;

/// <summary>How jobs look in the file: what other tools reading it see.</summary>
public sealed class StorageFormatTests
{
    [Fact]
    public async Task Times_AreStoredAsIntegerMicrosecondsSinceTheUnixEpoch()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var runAt = Jobs.T0.AddTicks(1234560); // 123 456 µs after T0
        var id = (await store.InsertManyAsync(Jobs.Insert(Jobs.New() with { RunAt = runAt })))[0].Id;

        var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_at, typeof(run_at), created_at FROM conveyor_jobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        reader.Read().ShouldBeTrue();

        reader.GetString(1).ShouldBe("integer");
        reader.GetInt64(0).ShouldBe(Jobs.T0.ToUnixTimeMilliseconds() * 1000 + 123_456);
        reader.GetInt64(2).ShouldBe(Jobs.T0.ToUnixTimeMilliseconds() * 1000);
        (await store.GetJobAsync(new(id)))!.RunAt.ShouldBe(runAt);
    }

    [Fact]
    public async Task Args_RoundTripExactly_IncludingNonAsciiTextAndLayout()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        const string args = "{ \"to\": \"zoë@example.com\",\n  \"note\": \"🚀 <b>&'\\\"\\\\\", \"n\": [1, 2.50] }";

        var id = (await store.InsertManyAsync(Jobs.Insert(Jobs.New(argsJson: args))))[0].Id;
        var claimed = await store.ClaimAsync(Jobs.Claim("node-1", 1));

        (await store.GetJobAsync(new(id)))!.ArgsJson.ShouldBe(args);
        claimed.Single().ArgsJson.ShouldBe(args);
    }

    [Fact]
    public async Task Errors_AreAJsonArrayTheSqliteJsonFunctionsRead()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.InsertManyAsync(Jobs.Insert(Jobs.New()));
        var claimed = (await store.ClaimAsync(Jobs.Claim("node-1", 1))).Single();
        var error = new JobError(1, Jobs.T0.AddSeconds(1), "System.TimeoutException", "took \"too\" long", "at X");
        await store.CompleteManyAsync(new CompleteJobsParams("node-1", [new JobCompletion(claimed.Id, 1, JobOutcome.Retry, Error: error, RetryAt: Jobs.T0.AddSeconds(5))], Jobs.T0.AddSeconds(1)));

        var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT json_array_length(errors), errors ->> '$[0].type', errors ->> '$[0].message', errors ->> '$[0].at' FROM conveyor_jobs";
        using var reader = command.ExecuteReader();
        reader.Read().ShouldBeTrue();

        reader.GetInt64(0).ShouldBe(1);
        reader.GetString(1).ShouldBe("System.TimeoutException");
        reader.GetString(2).ShouldBe("took \"too\" long");
        reader.GetString(3).ShouldBe("2030-01-01T00:00:01Z");
        (await store.GetJobAsync(new(claimed.Id)))!.Errors.ShouldBe([error]);
    }

    [Fact]
    public async Task BulkInsert_OfManyJobs_KeepsInputOrderAndConsecutiveIds()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var jobs = Enumerable.Range(0, 2500).Select(i => Jobs.New(argsJson: $"{{\"i\":{i}}}")).ToList();

        var inserted = await store.InsertManyAsync(new InsertJobsParams(jobs, Jobs.T0));

        inserted.Select(i => i.Id).ShouldBe(Enumerable.Range(1, 2500).Select(i => (long)i));
        (await store.GetJobAsync(new(2000)))!.ArgsJson.ShouldBe("{\"i\":1999}");
    }

    [Fact]
    public async Task BulkInsert_StoresEveryOptionOfEveryRow_WhateverStatementWroteIt()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        // 1,003 jobs: multi-row statements for most, single-row ones for the rest, and unique keys
        // every 50 jobs, which make the batch write its rows early (the unique rule reads the table).
        var jobs = Enumerable.Range(0, 1003).Select(i => Jobs.New(queue: $"q{i % 3}", argsJson: $"{{\"i\":{i},\"s\":\"é{i}\"}}") with
        {
            Priority = i % 5 - 2,
            MaxAttempts = 1 + i % 9,
            RunAt = Jobs.T0.AddMicroseconds(i),
            State = i % 4 == 0 ? JobState.Scheduled : JobState.Available,
            Timeout = i % 2 == 0 ? TimeSpan.FromMilliseconds(i) : null,
            OrderingKey = i % 6 == 0 ? $"o{i % 4}" : null,
            UniqueKey = i % 50 == 0 ? $"u{i}" : null,
            UniqueFor = i % 100 == 0 ? TimeSpan.FromSeconds(i) : null,
            AffinityKey = i % 7 == 0 ? $"a{i}" : null,
            BatchId = i % 11 == 0 ? i : null,
        }).ToArray();

        var inserted = await store.InsertManyAsync(new InsertJobsParams(jobs, Jobs.T0));

        inserted.Select(r => r.Id).ShouldBe(Enumerable.Range(1, 1003).Select(i => (long)i));
        for (var i = 0; i < jobs.Length; i++)
        {
            var job = (await store.GetJobAsync(new(inserted[i].Id)))!;
            var expected = jobs[i];
            (job.Kind, job.Queue, job.ArgsJson, job.Priority, job.MaxAttempts, job.RunAt, job.State, job.Timeout)
                .ShouldBe((expected.Kind, expected.Queue, expected.ArgsJson, expected.Priority, expected.MaxAttempts, expected.RunAt, expected.State, expected.Timeout));
            (job.OrderingKey, job.UniqueKey, job.AffinityKey, job.BatchId, job.AfterJobId, job.CreatedAt, job.Attempt, job.Errors.Count)
                .ShouldBe((expected.OrderingKey, expected.UniqueKey, expected.AffinityKey, expected.BatchId, (long?)null, Jobs.T0, 0, 0));
        }
    }

    [Fact]
    public async Task Ids_AreNeverReused_AfterTheNewestJobIsDeleted()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var first = (await store.InsertManyAsync(Jobs.Insert(Jobs.New())))[0].Id;
        (await store.DeleteJobAsync(new JobIdParams(first, Jobs.T0))).Status.ShouldBe(JobChangeStatus.Done);

        var second = (await store.InsertManyAsync(Jobs.Insert(Jobs.New())))[0].Id;

        second.ShouldBeGreaterThan(first);
    }

    [Fact]
    public async Task Claim_IsServedByTheClaimIndex()
    {
        await using var db = new TempDatabase();
        await db.OpenStore().MigrateAsync();
        var connection = db.OpenConnection();

        var plan = Plan(connection, SqliteJobStore.ClaimSql);

        plan.ShouldContain("conveyor_jobs_claim");
        plan.ShouldContain("conveyor_jobs_ordering");
        plan.ShouldNotContain("TEMP B-TREE");
    }

    [Fact]
    public async Task ClaimStatement_IsPlannedOnce_WhateverItsBoundValues()
    {
        // SQLite plans a statement again whenever a parameter its plan depends on is rebound (a bound
        // LIMIT is one): the claim must have none, or every claim pays for parsing and planning.
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.InsertManyAsync(Jobs.Insert([.. Enumerable.Range(0, 20).Select(_ => Jobs.New())]));
        var connection = db.OpenConnection();
        SQLitePCL.raw.sqlite3_prepare_v3(connection.Handle, SqliteJobStore.ClaimSql, 1, out var statement).ShouldBe(0);
        using (statement)
        {
            for (var i = 0; i < 5; i++)
            {
                SQLitePCL.raw.sqlite3_bind_text(statement, SQLitePCL.raw.sqlite3_bind_parameter_index(statement, "$queue"), Jobs.Queue);
                SQLitePCL.raw.sqlite3_bind_int64(statement, SQLitePCL.raw.sqlite3_bind_parameter_index(statement, "$now"), 1_000 + i);
                SQLitePCL.raw.sqlite3_bind_parameter_count(statement).ShouldBe(2, "queue and now: any other parameter would be one more to rebind");
                while (SQLitePCL.raw.sqlite3_step(statement) == SQLitePCL.raw.SQLITE_ROW)
                {
                }
                SQLitePCL.raw.sqlite3_reset(statement);
            }

            SQLitePCL.raw.sqlite3_stmt_status(statement, 5 /* SQLITE_STMTSTATUS_REPREPARE */, 0).ShouldBe(0);
        }
    }

    [Fact]
    public async Task DependentsLookups_UseTheWaitingIndex()
    {
        await using var db = new TempDatabase();
        await db.OpenStore().MigrateAsync();
        var connection = db.OpenConnection();

        Plan(connection, Sqlite.Jobs.Dependents.AnyWaitingSql).ShouldContain("conveyor_jobs_waiting");
        Plan(connection, "SELECT id FROM conveyor_jobs WHERE after_job_id = 1 AND state = 'waiting'").ShouldContain("conveyor_jobs_waiting");
    }

    [Fact]
    public async Task StateCheck_StillRejectsAnUnknownState_AfterTheMigrationRewroteIt()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var id = (await store.InsertManyAsync(Jobs.Insert(Jobs.New())))[0].Id;
        var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE conveyor_jobs SET state = 'bogus' WHERE id = {id}";

        Should.Throw<SqliteException>(() => command.ExecuteNonQuery()).SqliteErrorCode.ShouldBe(19);
        command.CommandText = "PRAGMA integrity_check";
        command.ExecuteScalar().ShouldBe("ok");
    }

    [Fact]
    public async Task QueueCounts_ReadFromTheStateIndexes_MatchACountOfTheTableInEveryState()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        var t = Jobs.T0;
        // Two queues with jobs in every state: available, scheduled, waiting, running, retrying,
        // succeeded, dead, cancelled (and a released one, available again).
        foreach (var queue in new[] { "a", "b" })
        {
            var ids = (await store.InsertManyAsync(Jobs.Insert([.. Enumerable.Range(0, 8).Select(_ => Jobs.New(queue: queue))]))).Select(r => r.Id).ToList();
            await store.InsertManyAsync(Jobs.Insert(Jobs.New(queue: queue, state: JobState.Scheduled) with { RunAt = t.AddDays(1) }, Jobs.New(queue: queue, after: ids[6])));
            var claimed = await store.ClaimAsync(Jobs.Claim("n1", 6, queue: queue));
            await store.CompleteManyAsync(new CompleteJobsParams("n1",
            [
                new JobCompletion(claimed[0].Id, 1, JobOutcome.Succeeded),
                new JobCompletion(claimed[1].Id, 1, JobOutcome.Retry, Error: new JobError(1, t, "E", "retry", null), RetryAt: t.AddHours(1)),
                new JobCompletion(claimed[2].Id, 1, JobOutcome.Dead, Error: new JobError(1, t, "E", "dead", null)),
                new JobCompletion(claimed[3].Id, 1, JobOutcome.Released),
            ], t));
            await store.CancelJobAsync(new JobIdParams(ids[7], t));
        }

        var fromIndexes = (await store.ListQueuesAsync(new ListQueuesParams()))
            .SelectMany(q => q.Counts.Where(c => c.Value > 0).Select(c => $"{q.Name}/{c.Key.ToWireName()}={c.Value}"))
            .Order().ToList();

        var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT queue || '/' || state || '=' || COUNT(*) FROM conveyor_jobs NOT INDEXED GROUP BY queue, state";
        var fromTable = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
                fromTable.Add(reader.GetString(0));
        }
        fromIndexes.ShouldBe(fromTable.Order().ToList());
        fromTable.Count.ShouldBe(16, "both queues have jobs in all eight states");
    }

    [Fact]
    public async Task QueueCounts_ReadOnlyIndexes_AndTheClaimIndexHoldsOnlyAvailableJobs()
    {
        await using var db = new TempDatabase();
        await db.OpenStore().MigrateAsync();
        var connection = db.OpenConnection();

        var plan = Plan(connection, SqliteJobStore.QueueCountsSql);

        plan.ShouldNotContain("SCAN conveyor_jobs\n");
        plan.Split('\n').Where(line => line.Contains("SCAN conveyor_jobs")).ShouldAllBe(line => line.Contains("INDEX"));
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sql FROM sqlite_schema WHERE name = 'conveyor_jobs_claim'";
        ((string)command.ExecuteScalar()!).ShouldContain("WHERE state = 'available'");
    }

    private static string Plan(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "$node", "$now", "$lease", "$queue", "$kinds", "$limit" })
            command.Parameters.AddWithValue(name, name == "$kinds" ? "[]" : "x");
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
            lines.Add(reader.GetString(3));
        return string.Join('\n', lines);
    }
}
