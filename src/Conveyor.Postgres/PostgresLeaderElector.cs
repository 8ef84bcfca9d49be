using Conveyor.Postgres.Jobs;
using Conveyor.Storage;

namespace Conveyor.Postgres;

/// <summary>
/// Leadership as a one-row lease table (<c>SCHEMA.leader</c>): taking or renewing it is one conditional
/// upsert; <c>ON CONFLICT DO UPDATE … WHERE</c> locks the row and evaluates the condition on its latest
/// version, so two nodes never both win.
/// </summary>
internal sealed class PostgresLeaderElector(PostgresJobStore store) : ILeaderElector
{
    private const string AcquireSql = """
        INSERT INTO {s}.leader AS l (id, node, expires_at) VALUES (1, $1, $2)
        ON CONFLICT (id) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at
        WHERE l.node = excluded.node OR l.expires_at <= $3
        RETURNING node
        """;

    private const string ReleaseSql = "DELETE FROM {s}.leader WHERE id = 1 AND node = $1";

    private const string LeaderSql = "SELECT node FROM {s}.leader WHERE id = 1 AND expires_at > $1";

    public async Task<bool> TryAcquireAsync(LeaderLeaseParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.Ttl, TimeSpan.Zero, nameof(parameters.Ttl));
        await store.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = store.DataSource.CreateCommand(store.Sql(AcquireSql));
        command.Parameters.Text(parameters.NodeName).Time(parameters.Now + parameters.Ttl).Time(parameters.Now);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string;
    }

    public async Task ReleaseAsync(LeaderReleaseParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await store.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = store.DataSource.CreateCommand(store.Sql(ReleaseSql));
        command.Parameters.Text(parameters.NodeName);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetLeaderAsync(GetLeaderParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await store.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = store.DataSource.CreateCommand(store.Sql(LeaderSql));
        command.Parameters.Time(parameters.Now);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
