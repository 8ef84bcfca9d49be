using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Tests;

/// <summary>The group-commit writer and its handling of locks held by other processes.</summary>
public sealed class WriterTests
{
    [Fact]
    public async Task AFailingOperation_CommittedInTheSameGroup_DoesNotUndoTheOthers()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();

        // Queue many inserts at once so they share commits; every fifth one refers to a missing job.
        var calls = Enumerable.Range(0, 50).Select(i => i % 5 == 0
            ? store.InsertManyAsync(Jobs.Insert(Jobs.New(), Jobs.New(after: 1_000_000)))
            : store.InsertManyAsync(Jobs.Insert(Jobs.New()))).ToList();
        var outcomes = await Task.WhenAll(calls.Select(async c =>
        {
            try
            {
                await c;
                return true;
            }
            catch (JobNotFoundException)
            {
                return false;
            }
        }));

        outcomes.Count(ok => ok).ShouldBe(40);
        var page = await store.ListJobsAsync(new ListJobsParams(Limit: 1000));
        page.Jobs.Count.ShouldBe(40, "the 10 failed calls inserted nothing, not even their first job");
        page.Jobs.ShouldAllBe(j => j.AfterJobId == null);
    }

    [Fact]
    public async Task OperationsQueuedWhileAGroupRuns_JoinItsCommit()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        using var running = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var commitsBefore = store.Writer.Commits;

        // The first operation holds the open transaction until the others are queued behind it.
        var first = store.WriteAsync(_ =>
        {
            running.Set();
            return release.Wait(TimeSpan.FromSeconds(30));
        }, CancellationToken.None);
        running.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue();
        var late = Enumerable.Range(0, 5).Select(_ => store.InsertManyAsync(Jobs.Insert(Jobs.New()))).ToList();
        release.Set();

        (await first.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
        await Task.WhenAll(late).WaitAsync(TimeSpan.FromSeconds(30));
        store.Writer.Commits.ShouldBe(commitsBefore + 1, "the five late inserts were committed with the first operation");
        (await store.ListJobsAsync(new ListJobsParams())).Jobs.Count.ShouldBe(5);
    }

    [Fact]
    public async Task ALateOperationThatFails_IsRolledBackAlone()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        using var running = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();

        var first = store.WriteAsync(scope =>
        {
            running.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            return JobInserterFor(scope, Jobs.New(queue: "first"));
        }, CancellationToken.None);
        running.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue();
        var failing = store.InsertManyAsync(Jobs.Insert(Jobs.New(queue: "failing"), Jobs.New(after: 1_000_000)));
        var fine = store.InsertManyAsync(Jobs.Insert(Jobs.New(queue: "fine")));
        release.Set();

        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await Should.ThrowAsync<JobNotFoundException>(() => failing);
        await fine.WaitAsync(TimeSpan.FromSeconds(30));
        var queues = (await store.ListJobsAsync(new ListJobsParams())).Jobs.Select(j => j.Queue).OrderBy(q => q).ToList();
        queues.ShouldBe(["fine", "first"]);
    }

    private static long JobInserterFor(Connections.WriteScope scope, NewJob job) =>
        Sqlite.Jobs.JobInserter.Insert(scope.Session, Jobs.Insert(job), scope.JobsAvailable)[0].Id;

    [Fact]
    public async Task WithFullSynchronous_AWriteIsReportedAfterAFlushOfTheWal()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        var flushes = store.Writer.Flushes;

        await store.InsertManyAsync(Jobs.Insert(Jobs.New()));

        store.Writer.Flushes.ShouldBeGreaterThan(flushes);
    }

    [Fact]
    public async Task TheFlushedWal_IsTheOneSqliteWrites_WhenThePathIsASymbolicLink()
    {
        await using var db = new TempDatabase();
        var real = db.OpenStore();
        await real.MigrateAsync();
        var link = Path.Combine(Path.GetDirectoryName(db.Path)!, "link", "jobs.db");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, db.Path);
        await using var store = new SqliteJobStore(link);

        await store.InsertManyAsync(Jobs.Insert(Jobs.New()));

        // SQLite follows the link and keeps the WAL beside the real file; flushing "link-wal" would flush nothing.
        store.Writer.WalPath.ShouldBe(db.Path + "-wal");
        File.Exists(store.Writer.WalPath).ShouldBeTrue();
        File.Exists(link + "-wal").ShouldBeFalse();
    }

    [Fact]
    public async Task AClaim_IsReportedAtItsCommit_WithoutWaitingForAFlush()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        await store.InsertManyAsync(Jobs.Insert(Jobs.New()));
        var flushes = store.Writer.Flushes;
        var commits = store.Writer.Commits;

        (await store.ClaimAsync(Jobs.Claim("n1", 1))).Count.ShouldBe(1);

        store.Writer.Commits.ShouldBe(commits + 1);
        store.Writer.Flushes.ShouldBe(flushes, "a claim lost to a power loss only leaves its job available again");
    }

    [Fact]
    public async Task WithNormalSynchronous_NothingWaitsForAFlush()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore(o => o with { Synchronous = SqliteSynchronousMode.Normal });
        await store.MigrateAsync();

        await store.InsertManyAsync(Jobs.Insert(Jobs.New()));
        (await store.ClaimAsync(Jobs.Claim("n1", 1))).Count.ShouldBe(1);

        store.Writer.Flushes.ShouldBe(0);
    }

    [Fact]
    public async Task ManyConcurrentWrites_ShareFlushes_AndAllSurviveReopening()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        var flushes = store.Writer.Flushes;

        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => store.InsertManyAsync(Jobs.Insert(Jobs.New()))));

        (store.Writer.Flushes - flushes).ShouldBeLessThan(100, "one flush covers every group committed before it");
        await store.DisposeAsync();
        var reopened = db.OpenStore();
        (await reopened.ListJobsAsync(new ListJobsParams(Limit: 1000))).Jobs.Count.ShouldBe(200);
    }

    [Fact]
    public async Task AWrite_WaitsForAnotherConnectionsWriteLock()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore(o => o with { BusyTimeout = TimeSpan.FromSeconds(10) });
        await store.MigrateAsync();
        var other = db.OpenConnection();
        var transaction = other.BeginTransaction();
        using (var command = other.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO conveyor_queues (name, paused) VALUES ('held', 0)";
            command.ExecuteNonQuery();
        }

        var asking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.WriteTransactionBeginning = () => asking.TrySetResult();

        var insert = store.InsertManyAsync(Jobs.Insert(Jobs.New()));
        await asking.Task.WaitAsync(TimeSpan.FromSeconds(10));
        insert.IsCompleted.ShouldBeFalse("the other connection still holds the write lock");
        transaction.Commit();

        (await insert.WaitAsync(TimeSpan.FromSeconds(10))).Count.ShouldBe(1);
    }

    [Fact]
    public async Task AWrite_FailsWithBusy_WhenTheLockOutlastsTheTimeoutAndEveryRetry()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore(o => o with { BusyTimeout = TimeSpan.FromMilliseconds(50), BusyRetries = 1 });
        await store.MigrateAsync();
        var other = db.OpenConnection();
        using var transaction = other.BeginTransaction();
        using (var command = other.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO conveyor_queues (name, paused) VALUES ('held', 0)";
            command.ExecuteNonQuery();
        }

        var error = await Should.ThrowAsync<SqliteException>(() => store.InsertManyAsync(Jobs.Insert(Jobs.New())));

        error.SqliteErrorCode.ShouldBe(5);
        transaction.Rollback();
        (await store.InsertManyAsync(Jobs.Insert(Jobs.New())))[0].Id.ShouldBe(1, "the store recovers once the lock is gone");
    }

    [Fact]
    public async Task Reads_DoNotWaitForAnotherConnectionsWriteLock()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore();
        await store.MigrateAsync();
        var id = (await store.InsertManyAsync(Jobs.Insert(Jobs.New())))[0].Id;
        var other = db.OpenConnection();
        using var transaction = other.BeginTransaction();
        using (var command = other.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "UPDATE conveyor_jobs SET priority = 5";
            command.ExecuteNonQuery();
        }

        var job = await store.GetJobAsync(new(id)).WaitAsync(TimeSpan.FromSeconds(2));

        job!.Priority.ShouldBe(0, "readers see the last committed state");
    }

    [Fact]
    public async Task AQueuedWrite_CancelledBeforeItRuns_IsNotApplied()
    {
        await using var db = new TempDatabase();
        var store = db.OpenStore(o => o with { BusyTimeout = TimeSpan.FromSeconds(10) });
        await store.MigrateAsync();
        var other = db.OpenConnection();
        var transaction = other.BeginTransaction();
        using (var command = other.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO conveyor_queues (name, paused) VALUES ('held', 0)";
            command.ExecuteNonQuery();
        }
        // The first insert holds the writer (waiting for the lock); the second waits in the queue behind it.
        var asking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.WriteTransactionBeginning = () => asking.TrySetResult();
        var first = store.InsertManyAsync(Jobs.Insert(Jobs.New()));
        await asking.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var cancel = new CancellationTokenSource();
        var second = store.InsertManyAsync(Jobs.Insert(Jobs.New(queue: "cancelled")), cancel.Token);

        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => second);
        transaction.Commit();
        await first.WaitAsync(TimeSpan.FromSeconds(10));

        (await store.ListJobsAsync(new ListJobsParams(Queue: "cancelled"))).Jobs.ShouldBeEmpty();
        (await store.ListJobsAsync(new ListJobsParams())).Jobs.Count.ShouldBe(1);
    }
}
