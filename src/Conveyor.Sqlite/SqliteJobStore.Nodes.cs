using System.Text.Json;
using Conveyor.Serialization;
using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

public sealed partial class SqliteJobStore
{
    private const string UpsertNodeSql = """
        INSERT INTO conveyor_nodes (name, host, pid, version, started_at, heartbeat_at, kinds, queues, live_until, slots)
        VALUES ($name, $host, $pid, $version, $started, $heartbeat, $kinds, $queues, $live_until, $slots)
        ON CONFLICT (name) DO UPDATE SET
            host = excluded.host, pid = excluded.pid, version = excluded.version, started_at = excluded.started_at,
            heartbeat_at = excluded.heartbeat_at, kinds = excluded.kinds, queues = excluded.queues, live_until = excluded.live_until, slots = excluded.slots,
            stop_requested_at = CASE WHEN conveyor_nodes.started_at = excluded.started_at THEN conveyor_nodes.stop_requested_at END
        """;

    private const string RemoveNodeSql = "DELETE FROM conveyor_nodes WHERE name = $name";

    private const string ListNodesSql = """
        SELECT name, host, pid, version, started_at, heartbeat_at, kinds, queues, live_until, stop_requested_at IS NOT NULL, slots
        FROM conveyor_nodes WHERE $live_at IS NULL OR live_until > $live_at
        """;

    private const string PruneNodesSql = "DELETE FROM conveyor_nodes WHERE live_until <= $now";

    private const string RequestNodeStopSql = """
        UPDATE conveyor_nodes SET stop_requested_at = COALESCE(stop_requested_at, $now) WHERE name = $name AND live_until > $now
        """;

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
            .Bind("$live_until", UnixMicros.From(node.LiveUntilOrDefault))
            .Bind("$slots", node.Slots)
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
            using var reader = session.Command(ListNodesSql)
                .Bind("$live_at", parameters.LiveAt is { } at ? UnixMicros.From(at) : null)
                .ExecuteReader();
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
                    LiveUntil = UnixMicros.ToTime(reader.GetInt64(8)),
                    StopRequested = reader.GetInt64(9) != 0,
                    Slots = reader.GetInt32(10),
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
            .Bind("$now", UnixMicros.From(parameters.Now))
            .ExecuteNonQuery(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RequestNodeStopAsync(RequestNodeStopParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(scope => scope.Session.Command(RequestNodeStopSql)
            .Bind("$name", parameters.NodeName)
            .Bind("$now", UnixMicros.From(parameters.Now))
            .ExecuteNonQuery() > 0, cancellationToken);
    }
}
