using System.Diagnostics;
using Npgsql;

namespace Conveyor.Cluster.Tests.Support;

/// <summary>
/// The PostgreSQL server of the test run (from scripts/with-postgres.sh or a developer's own through
/// CONVEYOR_TEST_POSTGRES), or a private one this class starts for a test that must restart it.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string? _privateFolder;

    private PostgresServer(string connectionString, string? dataDirectory, string? privateFolder)
    {
        ConnectionString = connectionString;
        DataDirectory = dataDirectory;
        _privateFolder = privateFolder;
    }

    /// <summary>An Npgsql connection string (superuser).</summary>
    public string ConnectionString { get; }

    /// <summary>The data folder, when this run controls the server (pg_ctl needs it).</summary>
    public string? DataDirectory { get; }

    /// <summary>The server of the test run. Fails (never skips) when none is configured.</summary>
    public static PostgresServer Shared()
    {
        var connectionString = Environment.GetEnvironmentVariable("CONVEYOR_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("CONVEYOR_TEST_POSTGRES is not set: run the tests through scripts/test.sh (or scripts/with-postgres.sh), or point it at a server");
        return new PostgresServer(connectionString, Environment.GetEnvironmentVariable("CONVEYOR_TEST_PG_DATA"), privateFolder: null);
    }

    /// <summary>
    /// Starts a server of its own (initdb in a temporary folder, 127.0.0.1, a free port) with the binaries
    /// of the test run (CONVEYOR_TEST_PG_BIN), so restarting it disturbs no other test.
    /// </summary>
    public static async Task<PostgresServer> StartPrivateAsync()
    {
        var bin = Environment.GetEnvironmentVariable("CONVEYOR_TEST_PG_BIN");
        if (string.IsNullOrWhiteSpace(bin) || !File.Exists(Path.Combine(bin, "pg_ctl")))
            throw new InvalidOperationException("CONVEYOR_TEST_PG_BIN must name the folder of pg_ctl and initdb: run the tests through scripts/test.sh");
        var folder = Path.Combine(Path.GetTempPath(), "conveyor-cluster-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var data = Path.Combine(folder, "data");
        var port = FreePort();
        await ChownAsync(folder);
        await RunAsync(Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions");
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"),
            $"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{folder}'\nmax_connections = 200\n");
        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", data, folder);
        await server.PgCtlAsync("-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start");
        return server;
    }

    /// <summary>A store URL for the CLI on a schema of its own.</summary>
    public string StoreUrl(string schema)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var password = string.IsNullOrEmpty(builder.Password) ? "" : ":" + Uri.EscapeDataString(builder.Password);
        return $"postgres://{Uri.EscapeDataString(builder.Username ?? "postgres")}{password}@{builder.Host}:{builder.Port}/{builder.Database}?schema={schema}";
    }

    /// <summary>Restarts the server (fast shutdown: open transactions are rolled back, connections cut).</summary>
    public Task RestartAsync() => PgCtlAsync("-m", "fast", "-w", "-t", "60", "restart");

    /// <summary>Stops the server (fast shutdown); <see cref="StartAsync"/> brings it back on the same port.</summary>
    public Task StopAsync() => PgCtlAsync("-m", "fast", "-w", "-t", "60", "stop");

    /// <summary>Starts a stopped server again and waits until it accepts connections.</summary>
    public Task StartAsync() => PgCtlAsync("-l", Path.Combine(Path.GetDirectoryName(DataDirectory!)!, "server.log"), "-w", "-t", "60", "start");

    /// <summary>Runs one SQL statement through psql, as another language's program would; returns psql's exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> PsqlAsync(string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var bin = Environment.GetEnvironmentVariable("CONVEYOR_TEST_PG_BIN");
        var psql = bin is not null && File.Exists(Path.Combine(bin, "psql")) ? Path.Combine(bin, "psql") : "psql";
        var start = new ProcessStartInfo(psql)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", builder.Host!, "-p", builder.Port.ToString(), "-U", builder.Username ?? "postgres", "-d", builder.Database ?? "postgres",
                     "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql })
            start.ArgumentList.Add(arg);
        if (!string.IsNullOrEmpty(builder.Password)) start.Environment["PGPASSWORD"] = builder.Password;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>Drops a test's schema.</summary>
    public async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_privateFolder is null) return;
        try
        {
            await PgCtlAsync("-m", "immediate", "-w", "stop");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(_privateFolder, recursive: true);
        }
    }

    private Task PgCtlAsync(params string[] args) =>
        RunAsync(Path.Combine(Environment.GetEnvironmentVariable("CONVEYOR_TEST_PG_BIN")!, "pg_ctl"), ["-D", DataDirectory!, .. args]);

    /// <summary>Runs a PostgreSQL program as the user that owns the data folder (PostgreSQL refuses root).</summary>
    private static async Task RunAsync(string program, params string[] args)
    {
        var user = Environment.GetEnvironmentVariable("CONVEYOR_TEST_PG_USER");
        var asOther = Environment.UserName == "root" && !string.IsNullOrEmpty(user) && user != "root";
        var start = new ProcessStartInfo(asOther ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asOther)
        {
            foreach (var arg in new[] { "-u", user!, "--", program }) start.ArgumentList.Add(arg);
        }
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', args)} failed ({process.ExitCode}): {await stdout}{await stderr}");
    }

    private static async Task ChownAsync(string folder)
    {
        var user = Environment.GetEnvironmentVariable("CONVEYOR_TEST_PG_USER");
        if (Environment.UserName != "root" || string.IsNullOrEmpty(user) || user == "root") return;
        using var process = Process.Start(new ProcessStartInfo("chown", ["-R", user, folder]) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
    }

    /// <summary>A TCP port free on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
