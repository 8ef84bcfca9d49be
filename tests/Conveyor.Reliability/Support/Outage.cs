using System.Diagnostics;

namespace Conveyor.Reliability.Support;

/// <summary>A database outage: the cluster's private PostgreSQL stopped (fast shutdown) and started again on the same port.</summary>
public static class Outage
{
    /// <summary>Stops the server, waits <paramref name="down"/> while the nodes keep trying a closed port, starts it; returns how long it was away.</summary>
    public static async Task<TimeSpan> RestartPostgresAsync(TestCluster cluster, TimeSpan down)
    {
        // This process's pooled connections would otherwise be handed out broken after the restart.
        Npgsql.NpgsqlConnection.ClearAllPools();
        await cluster.Server.StopAsync();
        var away = Stopwatch.StartNew();
        await Task.Delay(down);
        await cluster.Server.StartAsync();
        return away.Elapsed;
    }
}
