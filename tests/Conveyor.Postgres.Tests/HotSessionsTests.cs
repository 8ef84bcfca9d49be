using System.Data;
using Conveyor.Postgres.Jobs;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres.Tests;

/// <summary>The last-in first-out sessions of the hot statements (<see cref="HotSessions"/>).</summary>
public sealed class HotSessionsTests
{
    private static async Task<int> BackendAsync(HotSessions.Session session)
    {
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", session.Connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static async Task TerminateAsync(params int[] pids)
    {
        await using var connection = new NpgsqlConnection(TestServer.ConnectionString);
        await connection.OpenAsync();
        await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", connection);
        terminate.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = pids });
        await terminate.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task ASessionGivenBack_IsTheNextOneHandedOut_LastInFirstOut()
    {
        await using var dataSource = NpgsqlDataSource.Create(TestServer.ConnectionString);
        await using var hot = new HotSessions(dataSource, 8);
        var first = await hot.RentAsync(CancellationToken.None);
        var second = await hot.RentAsync(CancellationToken.None);
        var firstPid = await BackendAsync(first);
        var secondPid = await BackendAsync(second);
        secondPid.ShouldNotBe(firstPid);

        await first.DisposeAsync();
        await second.DisposeAsync();

        // Npgsql's pool would hand out the session that has been idle longest (the first); this hands out the last.
        for (var i = 0; i < 5; i++)
        {
            await using var again = await hot.RentAsync(CancellationToken.None);
            (await BackendAsync(again)).ShouldBe(secondPid);
        }
    }

    [Fact]
    public async Task ASessionThatBroke_IsClosed_WithEveryIdleOne_AndTheNextRentOpensAFreshSession()
    {
        await using var dataSource = NpgsqlDataSource.Create(TestServer.ConnectionString);
        await using var hot = new HotSessions(dataSource, 8);
        var a = await hot.RentAsync(CancellationToken.None);
        var b = await hot.RentAsync(CancellationToken.None);
        var pids = new[] { await BackendAsync(a), await BackendAsync(b) };
        var connections = new[] { a.Connection, b.Connection };
        await a.DisposeAsync();
        await b.DisposeAsync();
        await TerminateAsync(pids); // as a server restart would

        var broken = await hot.RentAsync(CancellationToken.None);
        await Should.ThrowAsync<Exception>(() => BackendAsync(broken));
        await broken.DisposeAsync();

        connections.ShouldAllBe(c => c.FullState == ConnectionState.Closed);
        await using var fresh = await hot.RentAsync(CancellationToken.None);
        pids.ShouldNotContain(await BackendAsync(fresh));
    }

    [Fact]
    public async Task AtMostMaxIdleSessionsAreKept_AndDisposingClosesThem_AndOnesGivenBackLater()
    {
        await using var dataSource = NpgsqlDataSource.Create(TestServer.ConnectionString);
        var hot = new HotSessions(dataSource, 8);
        var rented = new List<HotSessions.Session>();
        for (var i = 0; i < hot.MaxIdle + 2; i++)
            rented.Add(await hot.RentAsync(CancellationToken.None));
        var late = rented[^1];
        rented.RemoveAt(rented.Count - 1);
        foreach (var session in rented)
            await session.DisposeAsync();

        rented.Count(s => s.Connection.FullState == ConnectionState.Open).ShouldBe(hot.MaxIdle);

        await hot.DisposeAsync();
        rented.ShouldAllBe(s => s.Connection.FullState == ConnectionState.Closed);
        await late.DisposeAsync();
        late.Connection.FullState.ShouldBe(ConnectionState.Closed);
    }

    [Theory]
    [InlineData(100, 8)]
    [InlineData(20, 5)]
    [InlineData(10, 2)]
    [InlineData(4, 1)]
    [InlineData(3, 0)]
    [InlineData(1, 0)]
    public void AtMostAQuarterOfThePool_IsKeptHot(int maxPoolSize, int maxIdle) =>
        HotSessions.MaxIdleFor(maxPoolSize).ShouldBe(maxIdle);

    [Fact]
    public async Task TheStore_KeepsClaimingAndCompleting_AfterItsSessionsWereTerminated()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore();
        await store.MigrateAsync();
        await store.InsertAsync(Jobs.New(), Jobs.New());
        (await store.ClaimAsync(limit: 1)).Count.ShouldBe(1);
        // The store's sessions carry its application name; only this test's schema's store uses this one.
        var appName = "conveyor-hot-" + Guid.NewGuid().ToString("N")[..8];
        var named = schema.OpenStore(o => o with { ConnectionString = new NpgsqlConnectionStringBuilder(o.ConnectionString) { ApplicationName = appName }.ConnectionString });
        (await named.ClaimAsync(limit: 1)).Count.ShouldBe(1);
        var pids = new List<int>();
        await using (var connection = await schema.OpenConnectionAsync())
        await using (var find = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE application_name = $1", connection))
        {
            find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = appName });
            await using var reader = await find.ExecuteReaderAsync();
            while (await reader.ReadAsync()) pids.Add(reader.GetInt32(0));
        }
        pids.ShouldNotBeEmpty();
        await TerminateAsync([.. pids]);
        await store.InsertAsync(Jobs.New());

        // The first call may meet a dead session and fail (as with Npgsql's own pool); the next one runs on a fresh session.
        IReadOnlyList<ClaimedJob>? claimed = null;
        try
        {
            claimed = await named.ClaimAsync(limit: 5);
        }
        catch (NpgsqlException)
        {
        }
        claimed ??= await named.ClaimAsync(limit: 5);
        claimed.Count.ShouldBe(1);
    }
}
