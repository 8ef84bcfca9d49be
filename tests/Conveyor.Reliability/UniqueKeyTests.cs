using System.Data.Common;
using Conveyor.Postgres;
using Conveyor.Sqlite;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Reliability;

/// <summary>
/// 50 enqueues of one unique key at once, each in its own transaction; 49 roll back. Exactly one job must remain, the
/// committed one, whatever order the transactions end in.
/// </summary>
[Collection(Suites.SingleNode)]
public sealed class UniqueKeyTests(ITestOutputHelper output)
{
    private const int Enqueuers = 50;

    [Fact]
    public async Task FiftyConcurrentEnqueuesOfOneKey_49RolledBack_ExactlyOneJob_Postgres()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var services = new ServiceCollection().AddConveyor(o => o.UsePostgres(cluster.Store)).Services.BuildServiceProvider();
        var store = (PostgresJobStore)services.GetRequiredService<IJobStore>();
        await RunAsync("postgres", services.GetRequiredService<JobClient>(), async () =>
        {
            var connection = await store.DataSource.OpenConnectionAsync();
            return (connection, await connection.BeginTransactionAsync());
        }, async key => (await Sql.RowsAsync(cluster.Server.ConnectionString,
            $"SELECT id FROM \"{cluster.Schema}\".jobs WHERE unique_key = '{key}'", r => r.GetInt64(0))));
    }

    [Fact]
    public async Task FiftyConcurrentEnqueuesOfOneKey_49RolledBack_ExactlyOneJob_Sqlite()
    {
        await using var site = new SqliteSite();
        await site.OkAsync("migrate");
        await using var services = new ServiceCollection().AddConveyor(o => o.UseSqlite(site.Path)).Services.BuildServiceProvider();
        await RunAsync("sqlite", services.GetRequiredService<JobClient>(), async () =>
        {
            var connection = site.Open(Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite);
            // Immediate: SQLite's writers take turns, so each enqueuer waits for the write lock at its BEGIN.
            // A thread of its own for the wait, so fifty waiting writers do not starve the thread pool.
            return (connection, (DbTransaction)await Task.Factory.StartNew(() => connection.BeginTransaction(deferred: false),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }, async key =>
        {
            await using var connection = site.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT id FROM conveyor_jobs WHERE unique_key = '{key}'";
            var ids = new List<long>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
            return ids;
        });
    }

    private async Task RunAsync(string storeName, JobClient client, Func<Task<(DbConnection, DbTransaction)>> begin, Func<string, Task<List<long>>> stored)
    {
        var rounds = Scale.Pick(3, 20);
        var random = new Random(20);
        for (var round = 0; round < rounds; round++)
        {
            var key = $"unique-{round}-{Guid.NewGuid():N}";
            var committer = random.Next(Enqueuers);
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var all = Task.WhenAll(Enumerable.Range(0, Enqueuers).Select(i => Task.Run(async () =>
            {
                await go.Task;
                var (connection, transaction) = await begin();
                await using (connection)
                await using (transaction)
                {
                    var result = await client.EnqueueAsync(transaction, new JobRequest("conveyor.noop", Options: new JobOptions { UniqueKey = key }));
                    // Ends in a shuffled order: some roll back before the committer, some after.
                    await Task.Delay(Random.Shared.Next(0, 20));
                    if (i == committer) await transaction.CommitAsync();
                    else await transaction.RollbackAsync();
                    return (Index: i, Result: result);
                }
            })));
            go.SetResult();
            var results = await all;
            var ids = await stored(key);
            ids.Count.ShouldBe(1, $"round {round}: exactly one job holds the key");
            var committed = results.Single(r => r.Index == committer).Result;
            ids[0].ShouldBe(committed.Id, $"round {round}: the job is the committed enqueue's (it reported {(committed.Existing ? "an existing job" : "a new one")})");
        }
        output.WriteLine($"FIGURES unique-key({storeName}): rounds={rounds} enqueuers={Enqueuers} rolled-back={Enqueuers - 1} jobs-per-key=1");
    }
}
