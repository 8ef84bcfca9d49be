using Npgsql;

namespace Conveyor.Benchmarks.ClaimDesigns;

/// <summary>
/// Queued jobs also listed in a narrow table of their own (id, queue, kind, priority, run_at). The claim deletes
/// its rows there and records a lease row per job; the wide job row is written once, by the completion.
/// </summary>
internal sealed class NarrowTableDesign : ClaimDesign
{
    public override string Name => "narrow";

    public override string Question => "claims that leave the wide job row alone: delete from a narrow table, insert a lease per job";

    public override IReadOnlyList<string> Tables => ["study_ready", "study_leases"];

    protected override string CreateSql => """
        CREATE TABLE {s}.study_ready (id bigint PRIMARY KEY, queue text NOT NULL, kind text NOT NULL,
            priority integer NOT NULL, run_at timestamptz NOT NULL) WITH (fillfactor = 90);
        CREATE INDEX study_ready_claim ON {s}.study_ready (queue, priority DESC, run_at, id);
        CREATE TABLE {s}.study_leases (id bigint PRIMARY KEY, node text NOT NULL, expires_at timestamptz NOT NULL);
        """;

    protected override string FillSql =>
        "INSERT INTO {s}.study_ready SELECT id, queue, kind, priority, run_at FROM {s}.jobs WHERE state = 'available'";

    public override Task<List<TakenJob>> ClaimAsync(NpgsqlConnection connection, string schema, int limit, IReadOnlyList<TakenJob> finished)
    {
        var now = DateTimeOffset.UtcNow;
        var batch = NewBatch(connection);
        batch.BatchCommands.Add(Command("""
            WITH taken AS (
                DELETE FROM {s}.study_ready AS r
                WHERE r.id = ANY (ARRAY(
                    SELECT c.id FROM {s}.study_ready AS c
                    WHERE c.queue = $1 AND c.run_at <= $2 AND c.kind = ANY ($3)
                    ORDER BY c.priority DESC, c.run_at, c.id
                    LIMIT $4
                    FOR UPDATE OF c SKIP LOCKED))
                RETURNING r.id
            ), leased AS (
                INSERT INTO {s}.study_leases (id, node, expires_at) SELECT taken.id, $5, $6 FROM taken
            )
            SELECT j.id, j.kind, j.queue, j.args, j.attempt FROM taken JOIN {s}.jobs AS j ON j.id = taken.id
            """, schema, "default", now, Kinds, limit, Node, now.AddSeconds(30)));
        return ReadTakenAsync(batch);
    }

    public override async Task CompleteAsync(NpgsqlConnection connection, string schema, IReadOnlyList<TakenJob> finished)
    {
        var now = DateTimeOffset.UtcNow;
        await using var batch = NewBatch(connection);
        batch.BatchCommands.Add(Command(FinishSql, schema, Node, now, Ids(finished), Attempts(finished)));
        batch.BatchCommands.Add(Command("DELETE FROM {s}.study_leases WHERE id = ANY ($1)", schema, Ids(finished)));
        await batch.PrepareAsync();
        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>The job row goes from queued to finished in one write (the claim did not touch it).</summary>
    internal const string FinishSql = """
        UPDATE {s}.jobs AS j
        SET state = 'succeeded', attempt = j.attempt + 1, node = $1, started_at = $2, finished_at = $2
        FROM unnest($3::bigint[], $4::integer[]) AS r(id, attempt)
        WHERE j.id = r.id AND j.attempt = r.attempt AND j.state = 'available'
        """;
}
