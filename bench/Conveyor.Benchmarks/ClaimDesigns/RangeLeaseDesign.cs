using Npgsql;

namespace Conveyor.Benchmarks.ClaimDesigns;

/// <summary>
/// One lease row per claim, naming the jobs it took; the job rows are not written until they finish. Without a write
/// to each job row there is nothing for <c>SKIP LOCKED</c> to hold, so claims on one queue take turns on a
/// transaction-level advisory lock (taken before the claim's snapshot, so each claim sees every earlier lease).
/// </summary>
internal sealed class RangeLeaseDesign : ClaimDesign
{
    public override string Name => "lease-row";

    public override string Question => "one lease row per claim, job rows written only by the completion (claims of a queue take turns)";

    public override IReadOnlyList<string> Tables => ["study_claims"];

    protected override string CreateSql => """
        CREATE TABLE {s}.study_claims (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, queue text NOT NULL,
            node text NOT NULL, ids bigint[] NOT NULL, expires_at timestamptz NOT NULL);
        CREATE INDEX study_claims_queue ON {s}.study_claims (queue);
        """;

    public override Task<List<TakenJob>> ClaimAsync(NpgsqlConnection connection, string schema, int limit, IReadOnlyList<TakenJob> finished)
    {
        var now = DateTimeOffset.UtcNow;
        var batch = NewBatch(connection);
        batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", schema, "default"));
        batch.BatchCommands.Add(Command("""
            WITH taken AS (
                SELECT c.id, c.kind, c.queue, c.args, c.attempt FROM {s}.jobs AS c
                WHERE c.state = 'available' AND c.queue = $1 AND c.run_at <= $2 AND c.kind = ANY ($3)
                  AND NOT (c.id = ANY (ARRAY(SELECT unnest(l.ids) FROM {s}.study_claims AS l WHERE l.queue = $1)))
                ORDER BY c.priority DESC, c.run_at, c.id
                LIMIT $4
            ), leased AS (
                INSERT INTO {s}.study_claims (queue, node, ids, expires_at)
                SELECT $1, $5, array_agg(taken.id), $6 FROM taken HAVING count(*) > 0
                RETURNING id
            )
            SELECT taken.*, (SELECT id FROM leased) FROM taken
            """, schema, "default", now, Kinds, limit, Node, now.AddSeconds(30)));
        return ReadTakenAsync(batch, leaseColumn: 5);
    }

    public override async Task CompleteAsync(NpgsqlConnection connection, string schema, IReadOnlyList<TakenJob> finished)
    {
        var now = DateTimeOffset.UtcNow;
        await using var batch = NewBatch(connection);
        batch.BatchCommands.Add(Command(NarrowTableDesign.FinishSql, schema, Node, now, Ids(finished), Attempts(finished)));
        // The study completes whole claims (a claim's jobs reach the completer together), so their lease rows go.
        batch.BatchCommands.Add(Command("DELETE FROM {s}.study_claims WHERE id = ANY ($1)", schema, Leases(finished)));
        await batch.PrepareAsync();
        await batch.ExecuteNonQueryAsync();
    }
}
