using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    private const string PauseSql = """
        INSERT INTO conveyor_queues (name, paused) VALUES ($name, $paused)
        ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
        """;

    /// <inheritdoc />
    public Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope =>
        {
            scope.Session.Command(PauseSql).Bind("$name", parameters.Queue).Bind("$paused", parameters.Paused ? 1L : 0L).ExecuteNonQuery();
            if (!parameters.Paused)
                scope.JobsAvailable(parameters.Queue);
            return 0;
        }, cancellationToken);
    }
}
