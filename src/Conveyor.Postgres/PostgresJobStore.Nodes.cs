using Conveyor.Postgres.Jobs;
using Conveyor.Serialization;
using Conveyor.Storage;

namespace Conveyor.Postgres;

public sealed partial class PostgresJobStore
{
    private const string UpsertNodeSql = """
        INSERT INTO {s}.nodes (name, host, pid, version, started_at, heartbeat_at, kinds, queues)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (name) DO UPDATE SET
            host = excluded.host, pid = excluded.pid, version = excluded.version, started_at = excluded.started_at,
            heartbeat_at = excluded.heartbeat_at, kinds = excluded.kinds, queues = excluded.queues
        """;

    private const string RemoveNodeSql = "DELETE FROM {s}.nodes WHERE name = $1";

    private const string ListNodesSql = "SELECT name, host, pid, version, started_at, heartbeat_at, kinds, queues FROM {s}.nodes ORDER BY name COLLATE \"C\"";

    private const string PruneNodesSql = "DELETE FROM {s}.nodes WHERE heartbeat_at < $1";

    /// <inheritdoc />
    public async Task UpsertNodeAsync(UpsertNodeParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var node = parameters.Node;
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(Sql(UpsertNodeSql));
        command.Parameters.Text(node.Name).Text(node.Host).Int(node.Pid).Text(node.Version).Time(node.StartedAt).Time(node.HeartbeatAt)
            .Texts([.. node.Kinds]).Jsonb(NodeQueuesJson.ToJson(node.Queues));
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
        command.Parameters.Time(parameters.HeartbeatBefore);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
