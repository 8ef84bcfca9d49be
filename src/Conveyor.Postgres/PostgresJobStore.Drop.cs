using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    /// <summary>
    /// Drops the store's schema with every table, job and function in it. For throwaway schemas (benchmarks,
    /// tests); irreversible. The store must not be used afterwards except to dispose it.
    /// </summary>
    public async Task DropSchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_s} CASCADE", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
