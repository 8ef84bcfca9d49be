using Npgsql;

namespace Conveyor.Reliability.Support;

/// <summary>Direct SQL on a test's PostgreSQL schema: faults (triggers, terminated backends) and the facts the tests check.</summary>
public static class Sql
{
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = (await command.ExecuteScalarAsync())!;
        return value is T typed ? typed : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every row of <paramref name="sql"/>, each read by <paramref name="read"/>.</summary>
    public static async Task<List<T>> RowsAsync<T>(string connectionString, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }

    /// <summary>Creates <c>SCHEMA.ledger</c>: one row per handler run, unique on (job, attempt), stamped by the database clock.</summary>
    public static Task CreateLedgerAsync(TestCluster cluster) => ExecuteAsync(cluster.Server.ConnectionString, $"""
        CREATE TABLE "{cluster.Schema}".ledger (
            job_id bigint NOT NULL, attempt int NOT NULL, node text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(),
            UNIQUE (job_id, attempt))
        """);

    /// <summary>The store URL of <paramref name="cluster"/> for the test node, as an Npgsql connection string with its schema and extra settings.</summary>
    public static string NodeStore(TestCluster cluster, string extra = "") =>
        $"{cluster.Server.ConnectionString};Schema={cluster.Schema}{(extra.Length > 0 ? ";" + extra : "")}";
}
