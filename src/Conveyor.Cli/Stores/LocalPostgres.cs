using System.Net;
using Conveyor.Cli.Running;
using Npgsql;

namespace Conveyor.Cli.Stores;

/// <summary>
/// Whether a store is a PostgreSQL server on this machine: one that shares the node's cores (the CLI turns the
/// thread pool's spin off for it) and whose processes the bench can read (their CPU per job).
/// </summary>
internal static class LocalPostgres
{
    /// <summary>
    /// Whether <paramref name="store"/> is PostgreSQL reached only through this machine: every host a loopback
    /// address, <c>localhost</c>, this machine's name or a Unix-domain socket directory. A store that does not
    /// parse is not local (the command reports it).
    /// </summary>
    public static bool Is(StoreUrl store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.Kind != StoreKind.Postgres)
            return false;
        string? hosts;
        try
        {
            hosts = new NpgsqlConnectionStringBuilder(StoreSelector.Postgres(store).ConnectionString).Host;
        }
        catch (Exception e) when (e is UsageException or ArgumentException or FormatException)
        {
            return false;
        }
        if (string.IsNullOrWhiteSpace(hosts))
            return false;
        return hosts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).All(IsLocalHost);
    }

    private static bool IsLocalHost(string host)
    {
        // A Unix-domain socket: a directory path, or Linux's abstract namespace (@name).
        if (host.StartsWith('/') || host.StartsWith('@'))
            return true;
        var name = HostName(host);
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return true;
        if (IPAddress.TryParse(name, out var address))
            return IPAddress.IsLoopback(address);
        return name.Equals(Environment.MachineName, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The host without the port Npgsql allows after it in a host list (<c>h:5433</c>, <c>[::1]:5433</c>).</summary>
    private static string HostName(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? host[1..end] : host;
        }
        var colon = host.LastIndexOf(':');
        // More than one colon and no brackets: an IPv6 address without a port.
        return colon > 0 && host.IndexOf(':', StringComparison.Ordinal) == colon ? host[..colon] : host;
    }
}
