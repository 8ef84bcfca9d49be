namespace Conveyor.Postgres.Tests;

/// <summary>
/// The store's pool does not reset a session when a connection comes back to it (Npgsql's reset is seven extra
/// statements in front of the next command, on every claim and completion), unless the connection string asks.
/// A session setting that survives a trip through the pool shows that no reset ran.
/// </summary>
public sealed class PooledSessionTests
{
    private static async Task<string?> ProbeAfterReturnToPoolAsync(PostgresJobStore store)
    {
        await using (var connection = await store.DataSource.OpenConnectionAsync())
        await using (var set = connection.CreateCommand())
        {
            set.CommandText = "SET conveyor_test.probe = 'kept'";
            await set.ExecuteNonQueryAsync();
        }
        await using var read = store.DataSource.CreateCommand("SELECT current_setting('conveyor_test.probe', true)");
        return (string?)await read.ExecuteScalarAsync();
    }

    [Fact]
    public async Task PooledConnections_AreNotReset_ByDefault()
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore(o => o with { ConnectionString = o.ConnectionString + ";Maximum Pool Size=1" });

        (await ProbeAfterReturnToPoolAsync(store)).ShouldBe("kept");
    }

    [Theory]
    [InlineData("No Reset On Close=false")]
    [InlineData("NoResetOnClose=false")]
    public async Task ConnectionString_ThatAsksForTheReset_Wins(string setting)
    {
        await using var schema = new TempSchema();
        var store = schema.OpenStore(o => o with { ConnectionString = o.ConnectionString + ";Maximum Pool Size=1;" + setting });

        (await ProbeAfterReturnToPoolAsync(store)).ShouldNotBe("kept");
    }
}
