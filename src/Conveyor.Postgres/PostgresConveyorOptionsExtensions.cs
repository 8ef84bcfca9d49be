using Conveyor.Postgres;

namespace Conveyor;

/// <summary>Plugs the PostgreSQL store into <see cref="ConveyorOptions"/>.</summary>
public static class PostgresConveyorOptionsExtensions
{
    /// <summary>
    /// Uses the PostgreSQL database named by <paramref name="connectionStringOrUrl"/> as the store:
    /// a URL (<c>postgres://user:pass@host:5432/db?schema=conveyor</c>) or an Npgsql connection string
    /// (<c>Host=…;Username=…;Database=…</c>). The schema is created or upgraded on first use.
    /// </summary>
    public static ConveyorOptions UsePostgres(this ConveyorOptions options, string connectionStringOrUrl)
    {
        ArgumentNullException.ThrowIfNull(connectionStringOrUrl);
        return options.UsePostgres(PostgresConnectionString.Parse(connectionStringOrUrl));
    }

    /// <summary>Uses a PostgreSQL store with the given settings.</summary>
    public static ConveyorOptions UsePostgres(this ConveyorOptions options, PostgresStoreOptions storeOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storeOptions);
        storeOptions.Validate();
        return options.UseStore(_ => new PostgresJobStore(storeOptions));
    }
}
