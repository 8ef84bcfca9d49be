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

    /// <summary>
    /// Waits (at most 30 s) until a session is blocked by the backend <paramref name="blockerPid"/>, as a statement
    /// waiting for a lock that backend's transaction holds; throws when none is.
    /// </summary>
    public async Task UntilSessionWaitsForAsync(int blockerPid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE {blockerPid} = ANY(pg_blocking_pids(pid))") == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no session waited for backend {blockerPid} within 30 s");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits (at most 30 s) until <paramref name="sql"/>, a count, is at least <paramref name="atLeast"/>; throws otherwise.</summary>
    public async Task UntilCountAsync(string sql, long atLeast, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        long count;
        while ((count = await ScalarAsync<long>(sql)) < atLeast)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: {count} after 30 s, expected at least {atLeast}");
            await Task.Delay(20);
        }
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
