using Conveyor.Sqlite;

namespace Conveyor;

/// <summary>Plugs the embedded SQLite store into <see cref="ConveyorOptions"/>.</summary>
public static class SqliteConveyorOptionsExtensions
{
    /// <summary>
    /// Uses the SQLite database file at <paramref name="path"/> (created when missing) as the store:
    /// <c>AddConveyor(o =&gt; o.UseSqlite("conveyor.db"))</c>. The schema is created on first use.
    /// </summary>
    public static ConveyorOptions UseSqlite(this ConveyorOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return options.UseSqlite(new SqliteStoreOptions(path));
    }

    /// <summary>Uses a SQLite store with the given settings.</summary>
    public static ConveyorOptions UseSqlite(this ConveyorOptions options, SqliteStoreOptions storeOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storeOptions);
        storeOptions.Validate();
        return options.UseStore(_ => new SqliteJobStore(storeOptions));
    }
}
