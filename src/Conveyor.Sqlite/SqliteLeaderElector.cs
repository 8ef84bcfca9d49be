using Conveyor.Sqlite.Connections;
using Conveyor.Sqlite.Jobs;
using Conveyor.Storage;

namespace Conveyor.Sqlite;

/// <summary>
/// Leadership as a one-row lease table (<c>conveyor_leader</c>): taking or renewing it is one
/// conditional upsert inside the store's immediate transaction, so two nodes never both win.
/// </summary>
internal sealed class SqliteLeaderElector(SqliteJobStore store) : ILeaderElector
{
    private const string AcquireSql = """
        INSERT INTO conveyor_leader (id, node, expires_at) VALUES (1, $node, $expires)
        ON CONFLICT (id) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at
        WHERE conveyor_leader.node = excluded.node OR conveyor_leader.expires_at <= $now
        RETURNING node
        """;

    private const string ReleaseSql = "DELETE FROM conveyor_leader WHERE id = 1 AND node = $node";

    private const string LeaderSql = "SELECT node FROM conveyor_leader WHERE id = 1 AND expires_at > $now";

    public Task<bool> TryAcquireAsync(LeaderLeaseParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.Ttl, TimeSpan.Zero, nameof(parameters.Ttl));
        return store.WriteAsync(scope =>
        {
            using var reader = scope.Session.Command(AcquireSql)
                .Bind("$node", parameters.NodeName)
                .Bind("$expires", UnixMicros.From(parameters.Now + parameters.Ttl))
                .Bind("$now", UnixMicros.From(parameters.Now))
                .ExecuteReader();
            return reader.Read();
        }, cancellationToken);
    }

    public Task ReleaseAsync(LeaderReleaseParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return store.WriteAsync(scope => scope.Session.Command(ReleaseSql).Bind("$node", parameters.NodeName).ExecuteNonQuery(), cancellationToken);
    }

    public Task<string?> GetLeaderAsync(GetLeaderParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return store.ReadAsync(session => session.Command(LeaderSql).Bind("$now", UnixMicros.From(parameters.Now)).ExecuteScalar() as string, cancellationToken);
    }
}
