using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Postgres.Tests;

/// <summary>A real node on the PostgreSQL store, as an application sets it up.</summary>
public sealed class EngineTests
{
    [Fact]
    public async Task UsePostgres_WithAUrl_RunsJobs_WokenByNotifications()
    {
        await using var schema = new TempSchema();
        var b = new Npgsql.NpgsqlConnectionStringBuilder(TestServer.ConnectionString);
        var url = $"postgres://{b.Username}@{b.Host}:{b.Port}/{b.Database}?schema={schema.Name}";
        var done = new System.Collections.Concurrent.ConcurrentBag<int>();
        var services = new ServiceCollection();
        services.AddConveyor(o => o.UsePostgres(url))
            .AddJob("test.count", (Counted args) => { done.Add(args.N); return Task.CompletedTask; })
            // A long poll: only notifications can make the node claim quickly.
            .AddWorker(w => { w.Queue("default", 8); w.PollInterval = TimeSpan.FromMinutes(5); });
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IJobStore>();
        store.ShouldBeOfType<PostgresJobStore>().Options.Schema.ShouldBe(schema.Name);
        var server = provider.GetRequiredService<JobServer>();
        var client = provider.GetRequiredService<JobClient>();
        await server.StartAsync(CancellationToken.None);
        try
        {
            // The node listens before its first enqueue, so no wake-up is missed.
            await schema.UntilCountAsync($"SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN \"{schema.Name}.jobs\"'", 1, "listening sessions");
            for (var i = 0; i < 100; i++)
                await client.EnqueueAsync(new JobRequest("test.count", $$"""{"n":{{i}}}"""));

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (done.Count < 100 && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            done.Count.ShouldBe(100);
            done.Distinct().Count().ShouldBe(100);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
        var counts = (await store.ListQueuesAsync(new ListQueuesParams())).Single().Counts;
        counts[JobState.Succeeded].ShouldBe(100);
        (await store.ListNodesAsync(new ListNodesParams())).ShouldBeEmpty();
    }

    private sealed record Counted(int N);
}
