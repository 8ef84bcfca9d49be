using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Conveyor.Postgres.Tests;

/// <summary>
/// A throwaway PostgreSQL cluster of one test, built with the binaries of the test server
/// (<c>CONVEYOR_TEST_PG_BIN</c>, run as <c>CONVEYOR_TEST_PG_USER</c>), so a test can restart its server without
/// breaking the tests that share the main one. Stopped and deleted on dispose.
/// </summary>
internal sealed class PrivateServer : IAsyncDisposable
{
    private readonly string _bin = TestServer.Required("CONVEYOR_TEST_PG_BIN");
    private readonly string _user = TestServer.Required("CONVEYOR_TEST_PG_USER");
    private readonly string _base = Path.Combine(Path.GetTempPath(), "conveyor-pgtest-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly int _port = FreePort();

    private string Data => Path.Combine(_base, "data");

    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Timeout=5";

    public static async Task<PrivateServer> StartAsync()
    {
        var server = new PrivateServer();
        Directory.CreateDirectory(server._base);
        Directory.CreateDirectory(Path.Combine(server._base, "sock"));
        if (server.RunsAsOtherUser)
            await RunAsync("chown", ["-R", server._user + ":", server._base]);
        await server.PgAsync("initdb", ["-D", server.Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions"]);
        await File.AppendAllTextAsync(Path.Combine(server.Data, "postgresql.conf"),
            $"\nlisten_addresses = '127.0.0.1'\nport = {server._port}\nunix_socket_directories = '{Path.Combine(server._base, "sock")}'\nfsync = off\n");
        await server.PgAsync("pg_ctl", ["-D", server.Data, "-l", Path.Combine(server._base, "server.log"), "-w", "-t", "60", "start"]);
        return server;
    }

    /// <summary>Stops the server (every session ends) and starts it again.</summary>
    public Task RestartAsync() =>
        PgAsync("pg_ctl", ["-D", Data, "-l", Path.Combine(_base, "server.log"), "-m", "fast", "-w", "-t", "60", "restart"]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", ["-D", Data, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Not running: nothing to stop.
        }
        Directory.Delete(_base, recursive: true);
    }

    private bool RunsAsOtherUser => !string.Equals(Environment.UserName, _user, StringComparison.Ordinal);

    private Task PgAsync(string program, string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        return RunsAsOtherUser ? RunAsync("runuser", ["-u", _user, "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output} {await error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
