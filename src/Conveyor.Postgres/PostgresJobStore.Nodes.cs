using Conveyor.Postgres.Jobs;
using Conveyor.Serialization;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    private const string UpsertNodeSql = """
        INSERT INTO {s}.nodes (name, host, pid, version, started_at, heartbeat_at, kinds, queues, live_until, slots)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (name) DO UPDATE SET
            host = excluded.host, pid = excluded.pid, version = excluded.version, started_at = excluded.started_at,
            heartbeat_at = excluded.heartbeat_at, kinds = excluded.kinds, queues = excluded.queues, live_until = excluded.live_until, slots = excluded.slots,
            stop_requested_at = CASE WHEN nodes.started_at = excluded.started_at THEN nodes.stop_requested_at END
        """;

    private const string RemoveNodeSql = "DELETE FROM {s}.nodes WHERE name = $1";

    private const string ListNodesSql = """
        SELECT name, host, pid, version, started_at, heartbeat_at, kinds, queues, live_until, stop_requested_at IS NOT NULL, slots
        FROM {s}.nodes WHERE $1::timestamptz IS NULL OR live_until > $1 ORDER BY name COLLATE "C"
        """;

    private const string PruneNodesSql = "DELETE FROM {s}.nodes WHERE live_until <= $1";

    private const string RequestNodeStopSql = """
        UPDATE {s}.nodes SET stop_requested_at = COALESCE(stop_requested_at, $2) WHERE name = $1 AND live_until > $2
        """;

    /// <inheritdoc />
    public async Task UpsertNodeAsync(UpsertNodeParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var node = parameters.Node;
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(UpsertNodeSql));
        command.Parameters.Text(node.Name).Text(node.Host).Int(node.Pid).Text(node.Version).Time(node.StartedAt).Time(node.HeartbeatAt)
            .Texts([.. node.Kinds]).Jsonb(NodeQueuesJson.ToJson(node.Queues)).Time(node.LiveUntilOrDefault).Int(node.Slots);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RemoveNodeAsync(RemoveNodeParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(RemoveNodeSql));
        command.Parameters.Text(parameters.NodeName);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<NodeInfo>> ListNodesAsync(ListNodesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(ListNodesSql));
        command.Parameters.Add(new NpgsqlParameter<DateTime?> { TypedValue = parameters.LiveAt?.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var nodes = new List<NodeInfo>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                nodes.Add(new NodeInfo
                {
                    Name = reader.GetString(0),
                    Host = reader.GetString(1),
                    Pid = reader.GetInt32(2),
                    Version = reader.GetString(3),
                    StartedAt = JobRows.Time(reader, 4),
                    HeartbeatAt = JobRows.Time(reader, 5),
                    Kinds = reader.GetFieldValue<string[]>(6),
                    Queues = NodeQueuesJson.Parse(reader.GetString(7)),
                    LiveUntil = JobRows.Time(reader, 8),
                    StopRequested = reader.GetBoolean(9),
                    Slots = reader.GetInt32(10),
                });
            }
        }
        // The same order on every server, whatever its collation.
        nodes.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return nodes;
    }

    /// <inheritdoc />
    public async Task<int> PruneNodesAsync(PruneNodesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(PruneNodesSql));
        command.Parameters.Time(parameters.Now);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> RequestNodeStopAsync(RequestNodeStopParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(RequestNodeStopSql));
        command.Parameters.Text(parameters.NodeName).Time(parameters.Now);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
