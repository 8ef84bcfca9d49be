using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace Conveyor.Postgres;

/// <summary>
/// Reads the two ways of naming a PostgreSQL store: a URL
/// (<c>postgres://user:pass@host:port/db?schema=x</c>, also <c>postgresql://</c>) and an Npgsql connection
/// string (<c>Host=h;Username=u;Database=db</c>, optionally with <c>Schema=x</c>). Used by
/// <c>UsePostgres(…)</c> and the CLI's <c>--store</c>. Besides the schema, both forms may carry
/// <c>vacuum_after_dead_rows</c> (<see cref="PostgresStoreOptions.VacuumAfterDeadRows"/>; 0 turns the leader's
/// vacuum off), so that nodes started from the CLI can set it too.
/// </summary>
public static class PostgresConnectionString
{
    /// <summary>The query parameters of a URL that map to Npgsql keywords of another name (libpq's spelling).</summary>
    private static readonly Dictionary<string, string> UrlParameterAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["target_session_attrs"] = "Target Session Attributes",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
    };

    /// <summary>The setting of <see cref="PostgresStoreOptions.VacuumAfterDeadRows"/> in a URL or connection string.</summary>
    public const string VacuumAfterDeadRowsParameter = "vacuum_after_dead_rows";

    /// <summary>True when <paramref name="value"/> starts like a PostgreSQL URL (<c>postgres://</c> or <c>postgresql://</c>).</summary>
    public static bool IsUrl(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.TrimStart();
        return trimmed.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Parses a URL or a key=value connection string into store options (connection string, schema and
    /// <c>vacuum_after_dead_rows</c>; the other settings keep their defaults, change them with <c>with { … }</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The value is neither a valid URL nor a valid Npgsql connection string, names an
    /// invalid schema, or a <c>vacuum_after_dead_rows</c> that is not a whole number of rows.</exception>
    public static PostgresStoreOptions Parse(string connectionStringOrUrl)
    {
        ArgumentNullException.ThrowIfNull(connectionStringOrUrl);
        var value = connectionStringOrUrl.Trim();
        if (value.Length == 0)
            throw new ArgumentException("the PostgreSQL connection string is empty", nameof(connectionStringOrUrl));
        var (connectionString, settings) = IsUrl(value) ? FromUrl(value) : FromKeyValues(value);
        var options = new PostgresStoreOptions(connectionString) { Schema = settings.Schema ?? PostgresStoreOptions.DefaultSchema };
        if (SchemaName.Check(options.Schema) is { } error)
            throw new ArgumentException(error, nameof(connectionStringOrUrl));
        if (settings.VacuumAfterDeadRows is { } vacuum)
        {
            if (!int.TryParse(vacuum, NumberStyles.None, CultureInfo.InvariantCulture, out var rows))
                throw new ArgumentException(
                    $"{VacuumAfterDeadRowsParameter} must be a whole number of dead rows (0 turns the leader's vacuum off), not '{vacuum}'",
                    nameof(connectionStringOrUrl));
            options = options with { VacuumAfterDeadRows = rows };
        }
        return options;
    }

    /// <summary>The store's own settings found beside the connection's: null where not given.</summary>
    private sealed record StoreSettings(string? Schema, string? VacuumAfterDeadRows);

    /// <summary>Takes the store's own setting <paramref name="key"/> into <paramref name="settings"/>; false for a connection setting.</summary>
    private static bool TakeStoreSetting(string key, string value, ref StoreSettings settings)
    {
        if (key.Equals("schema", StringComparison.OrdinalIgnoreCase))
            settings = settings with { Schema = value };
        else if (key.Equals(VacuumAfterDeadRowsParameter, StringComparison.OrdinalIgnoreCase))
            settings = settings with { VacuumAfterDeadRows = value };
        else
            return false;
        return true;
    }

    private static (string ConnectionString, StoreSettings Settings) FromKeyValues(string value)
    {
        DbConnectionStringBuilder generic;
        try
        {
            generic = new DbConnectionStringBuilder { ConnectionString = value };
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"'{Redact(value)}' is neither a postgres:// URL nor a key=value connection string: {e.Message}", nameof(value), e);
        }
        var settings = new StoreSettings(null, null);
        foreach (var key in generic.Keys.Cast<string>().ToList())
        {
            if (TakeStoreSetting(key, Convert.ToString(generic[key], CultureInfo.InvariantCulture) ?? "", ref settings))
                generic.Remove(key);
        }
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(generic.ConnectionString);
            return (builder.ConnectionString, settings);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"invalid PostgreSQL connection string: {e.Message}", nameof(value), e);
        }
    }

    private static (string ConnectionString, StoreSettings Settings) FromUrl(string value)
    {
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal) + 3;
        var rest = value[schemeEnd..];
        string? query = null;
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        if (queryStart >= 0)
        {
            query = rest[(queryStart + 1)..];
            rest = rest[..queryStart];
        }
        var fragment = rest.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
            rest = rest[..fragment];

        string? database = null;
        var pathStart = rest.IndexOf('/', StringComparison.Ordinal);
        if (pathStart >= 0)
        {
            database = Decode(rest[(pathStart + 1)..]);
            rest = rest[..pathStart];
        }

        string? user = null;
        string? password = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                user = Decode(userInfo[..colon]);
                password = Decode(userInfo[(colon + 1)..]);
            }
            else
            {
                user = Decode(userInfo);
            }
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var hosts = ParseHosts(rest, value);
        if (hosts.Count == 1 && SplitPort(hosts[0]) is ({ } name, { } port))
        {
            builder.Host = name.StartsWith('[') ? name[1..^1] : name;
            builder.Port = port;
        }
        else if (hosts.Count > 0)
        {
            builder.Host = string.Join(',', hosts);
        }
        if (!string.IsNullOrEmpty(user))
            builder.Username = user;
        if (password is not null)
            builder.Password = password;
        if (!string.IsNullOrEmpty(database))
            builder.Database = database;

        var settings = new StoreSettings(null, null);
        if (!string.IsNullOrEmpty(query))
        {
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = Decode(eq >= 0 ? pair[..eq] : pair);
                var parameter = eq >= 0 ? Decode(pair[(eq + 1)..]) : "";
                if (TakeStoreSetting(key, parameter, ref settings))
                    continue;
                var keyword = UrlParameterAliases.GetValueOrDefault(key, key);
                try
                {
                    builder[keyword] = parameter;
                }
                catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
                {
                    throw new ArgumentException($"the URL parameter '{key}={parameter}' is not a PostgreSQL connection setting Npgsql knows: {e.Message}", nameof(value), e);
                }
            }
        }
        return (builder.ConnectionString, settings);
    }

    /// <summary>Hosts as Npgsql writes them (<c>h1:5432,h2</c>); IPv6 addresses lose their brackets only when no port follows.</summary>
    private static List<string> ParseHosts(string hostPart, string url)
    {
        var hosts = new List<string>();
        foreach (var raw in hostPart.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var host = Decode(raw);
            string name;
            string? port = null;
            if (host.StartsWith('['))
            {
                var close = host.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                    throw new ArgumentException($"'{Redact(url)}' has an IPv6 host without its closing ']'", nameof(url));
                name = host[..(close + 1)];
                if (close + 1 < host.Length)
                {
                    if (host[close + 1] != ':')
                        throw new ArgumentException($"'{Redact(url)}' has characters after the IPv6 host", nameof(url));
                    port = host[(close + 2)..];
                }
            }
            else
            {
                var colon = host.LastIndexOf(':');
                name = colon >= 0 ? host[..colon] : host;
                port = colon >= 0 ? host[(colon + 1)..] : null;
            }
            if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535))
                throw new ArgumentException($"'{Redact(url)}' has the port '{port}'; a port is a number from 1 to 65535", nameof(url));
            if (name.Length == 0)
                continue;
            hosts.Add(port is null ? name : name + ":" + port);
        }
        return hosts;
    }

    /// <summary>A single <c>host:port</c> (or <c>[v6]:port</c>) as its parts; null when it has no port.</summary>
    private static (string Name, int Port)? SplitPort(string host)
    {
        var colon = host.LastIndexOf(':');
        if (colon < 0 || (host.StartsWith('[') && host.LastIndexOf(']') > colon))
            return null;
        return (host[..colon], int.Parse(host[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    private static string Decode(string value) => Uri.UnescapeDataString(value);

    /// <summary>The value with any password replaced, for error messages.</summary>
    private static string Redact(string value)
    {
        if (IsUrl(value))
        {
            var schemeEnd = value.IndexOf("://", StringComparison.Ordinal) + 3;
            var at = value.IndexOf('@', schemeEnd);
            var colon = value.IndexOf(':', schemeEnd);
            if (at > 0 && colon > 0 && colon < at)
                return value[..(colon + 1)] + "***" + value[at..];
            return value;
        }
        return "(connection string)";
    }
}
