using Npgsql;

namespace Conveyor.Postgres.Tests;

/// <summary>A schema of its own on a test server, with every store and connection opened on it; all dropped on dispose.</summary>
internal sealed class TempSchema : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public TempSchema(string? connectionString = null)
    {
        ConnectionString = connectionString ?? TestServer.ConnectionString;
    }

    public string ConnectionString { get; }

    public string Name { get; } = "pgtest_" + Guid.NewGuid().ToString("N")[..16];

    public PostgresStoreOptions Options => new(ConnectionString) { Schema = Name };

    /// <summary>A new store on the schema, disposed with it.</summary>
    public PostgresJobStore OpenStore(Func<PostgresStoreOptions, PostgresStoreOptions>? configure = null)
    {
        var store = new PostgresJobStore(configure is null ? Options : configure(Options));
        _owned.Add(store);
        return store;
    }

    /// <summary>A plain connection of the caller's own.</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        _owned.Add(connection);
        return connection;
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{s}", "\"" + Name + "\"", StringComparison.Ordinal), connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
            await _owned[i].DisposeAsync();
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // A private server that is already gone took the schema with it.
        }
    }
}
