using Conveyor.Postgres.Jobs;
using Conveyor.Storage;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    private const string PauseSql = """
        INSERT INTO {s}.queues (name, paused) VALUES ($1, $2)
        ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
        """;

    /// <inheritdoc />
    public async Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(PauseSql));
        command.Parameters.Text(parameters.Queue).Bool(parameters.Paused);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (!parameters.Paused)
            _notifier.Publish(parameters.Queue);
    }
}
