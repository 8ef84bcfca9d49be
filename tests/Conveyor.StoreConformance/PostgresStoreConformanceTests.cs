using Conveyor.Postgres;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.StoreConformance;

/// <summary>
/// The conformance suite against <see cref="PostgresJobStore"/> on the server named by <c>CONVEYOR_TEST_POSTGRES</c>:
/// each test in a fresh schema of its own (dropped afterwards), so tests run in parallel; a second store on the
/// same schema plays the "other process".
/// </summary>
public sealed class PostgresStoreConformanceTests : StoreConformanceTests, IAsyncLifetime
{
    private readonly string _schema = "conformance_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>The test server's connection string; a missing variable fails the test rather than skipping it.</summary>
    internal static string ConnectionString =>
        Environment.GetEnvironmentVariable("CONVEYOR_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("CONVEYOR_TEST_POSTGRES is not set: run the tests through scripts/with-postgres.sh");

    private PostgresStoreOptions Options => new(ConnectionString) { Schema = _schema };

    /// <inheritdoc />
    protected override async Task<IJobStore> CreateStoreAsync()
    {
        var store = new PostgresJobStore(Options);
        await store.MigrateAsync();
        return store;
    }

    /// <inheritdoc />
    protected override async Task<IJobStore> OpenSecondInstanceAsync()
    {
        var store = new PostgresJobStore(Options);
        await store.MigrateAsync();
        return store;
    }

    // Re-implements the interface so the schema goes once every store on it is closed.
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
