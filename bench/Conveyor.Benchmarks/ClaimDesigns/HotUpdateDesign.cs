using Npgsql;

namespace Conveyor.Benchmarks.ClaimDesigns;

/// <summary>
/// A claim PostgreSQL can write as a heap-only (HOT) update: it sets the lease columns and leaves <c>state</c> alone,
/// and no index refers to the lease columns (a copy of the jobs table without <c>jobs_lease</c>), so the new row
/// version gets no index entries. A job is running when it is 'available' with a node; the claim's scan skips those
/// by a heap filter. The completion writes the row as the store's does.
/// </summary>
internal sealed class HotUpdateDesign : ClaimDesign
{
    public override string Name => "hot-claim";

    public override string Question => "claims that change no indexed column (a HOT update): running = available with a node";

    public override string JobsTable => "study_hot_jobs";

    public override IReadOnlyList<string> Tables => [JobsTable];

    protected override string CreateSql => """
        CREATE TABLE {s}.study_hot_jobs (LIKE {s}.jobs INCLUDING ALL EXCLUDING GENERATED) WITH (fillfactor = 90);
        DROP INDEX {s}.study_hot_jobs_lease_expires_at_idx;
        """;

    protected override string FillSql => "INSERT INTO {s}.study_hot_jobs SELECT * FROM {s}.jobs";

    public override Task<List<TakenJob>> ClaimAsync(NpgsqlConnection connection, string schema, int limit, IReadOnlyList<TakenJob> finished)
    {
        var now = DateTimeOffset.UtcNow;
        var batch = NewBatch(connection);
        batch.BatchCommands.Add(Command("""
            UPDATE {s}.study_hot_jobs AS j
            SET attempt = j.attempt + 1, node = $5, started_at = $2, lease_expires_at = $6
            WHERE j.id = ANY (ARRAY(
                SELECT c.id FROM {s}.study_hot_jobs AS c
                WHERE c.state = 'available' AND c.node IS NULL AND c.queue = $1 AND c.run_at <= $2 AND c.kind = ANY ($3)
                ORDER BY c.priority DESC, c.run_at, c.id
                LIMIT $4
                FOR NO KEY UPDATE OF c SKIP LOCKED))
            RETURNING j.id, j.kind, j.queue, j.args, j.attempt
            """, schema, "default", now, Kinds, limit, Node, now.AddSeconds(30)));
        return ReadTakenAsync(batch);
    }

    public override async Task CompleteAsync(NpgsqlConnection connection, string schema, IReadOnlyList<TakenJob> finished)
    {
        var now = DateTimeOffset.UtcNow;
        await using var batch = NewBatch(connection);
        batch.BatchCommands.Add(Command("""
            UPDATE {s}.study_hot_jobs AS j
            SET state = 'succeeded', finished_at = $2
            FROM unnest($3::bigint[], $4::integer[]) AS r(id, attempt)
            WHERE j.id = r.id AND j.attempt = r.attempt AND j.state = 'available' AND j.node = $1
            """, schema, Node, now, Ids(finished), Attempts(finished)));
        await batch.PrepareAsync();
        await batch.ExecuteNonQueryAsync();
    }
}
