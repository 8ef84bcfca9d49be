using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    private const string UpsertNodeSql = """
        INSERT INTO conveyor_nodes (name, host, pid, version, started_at, heartbeat_at, kinds, queues)
        VALUES ($name, $host, $pid, $version, $started, $heartbeat, $kinds, $queues)
        ON CONFLICT (name) DO UPDATE SET
            host = excluded.host, pid = excluded.pid, version = excluded.version, started_at = excluded.started_at,
            heartbeat_at = excluded.heartbeat_at, kinds = excluded.kinds, queues = excluded.queues
        """;

    private const string RemoveNodeSql = "DELETE FROM conveyor_nodes WHERE name = $name";

    private const string ListNodesSql = "SELECT name, host, pid, version, started_at, heartbeat_at, kinds, queues FROM conveyor_nodes";

    private const string PruneNodesSql = "DELETE FROM conveyor_nodes WHERE heartbeat_at < $before";

    /// <inheritdoc />
    public Task UpsertNodeAsync(UpsertNodeParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var node = parameters.Node;
        var kinds = JsonLists.Strings(node.Kinds);
        var queues = NodeQueuesJson.ToJson(node.Queues);
        return WriteAsync(scope => scope.Session.Command(UpsertNodeSql)
            .Bind("$name", node.Name)
            .Bind("$host", node.Host)
            .Bind("$pid", node.Pid)
            .Bind("$version", node.Version)
            .Bind("$started", UnixMicros.From(node.StartedAt))
            .Bind("$heartbeat", UnixMicros.From(node.HeartbeatAt))
            .Bind("$kinds", kinds)
            .Bind("$queues", queues)
            .ExecuteNonQuery(), cancellationToken);
    }

    /// <inheritdoc />
    public Task RemoveNodeAsync(RemoveNodeParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope => scope.Session.Command(RemoveNodeSql).Bind("$name", parameters.NodeName).ExecuteNonQuery(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(ListNodesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync<IReadOnlyList<NodeInfo>>(session =>
        {
            var nodes = new List<NodeInfo>();
            using var reader = session.Command(ListNodesSql).ExecuteReader();
            while (reader.Read())
            {
                nodes.Add(new NodeInfo
                {
                    Name = reader.GetString(0),
                    Host = reader.GetString(1),
                    Pid = reader.GetInt32(2),
                    Version = reader.GetString(3),
                    StartedAt = UnixMicros.ToTime(reader.GetInt64(4)),
                    HeartbeatAt = UnixMicros.ToTime(reader.GetInt64(5)),
                    Kinds = JsonSerializer.Deserialize<string[]>(reader.GetString(6)) ?? [],
                    Queues = NodeQueuesJson.Parse(reader.GetString(7)),
                });
            }
            nodes.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return nodes;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> PruneNodesAsync(PruneNodesParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope => scope.Session.Command(PruneNodesSql)
            .Bind("$before", UnixMicros.From(parameters.HeartbeatBefore))
            .ExecuteNonQuery(), cancellationToken);
    }
}
