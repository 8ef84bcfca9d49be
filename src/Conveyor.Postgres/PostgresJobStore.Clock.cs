using Conveyor.Storage;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore : IStoreClock
{
    /// <summary>
    /// The database server's clock (<c>clock_timestamp()</c>): the one clock of every node on this database, whatever
    /// their machines' clocks say.
    /// </summary>
    public async Task<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var command = _dataSource.CreateCommand("SELECT clock_timestamp()");
        var time = (DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc));
    }
}
