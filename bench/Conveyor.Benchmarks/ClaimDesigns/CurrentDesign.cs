using Npgsql;
using Conveyor.Postgres;

namespace Conveyor.Benchmarks.ClaimDesigns;

/// <summary>
/// The store's own statements (<see cref="PostgresJobStore.ClaimSql"/>, <see cref="PostgresJobStore.SucceedSql"/>) sent
/// by the study's plain loop: the claim writes each job row (state, lease), the completion writes it again.
/// </summary>
internal class CurrentDesign : ClaimDesign
{
    public override string Name => "current";

    public override string Question => "the store's claim and completion statements, without the node around them";

    public override Task<List<TakenJob>> ClaimAsync(NpgsqlConnection connection, string schema, int limit, IReadOnlyList<TakenJob> finished)
    {
        var now = DateTimeOffset.UtcNow;
        var batch = NewBatch(connection);
        if (finished.Count > 0) batch.BatchCommands.Add(SucceedCommand(schema, finished, now));
        batch.BatchCommands.Add(Command(PostgresJobStore.ClaimSql, schema, "default", now, Kinds, limit, Node, now.AddSeconds(30), DBNull.Value, DBNull.Value));
        return ReadTakenAsync(batch);
    }

    public override async Task CompleteAsync(NpgsqlConnection connection, string schema, IReadOnlyList<TakenJob> finished)
    {
        await using var batch = NewBatch(connection);
        batch.BatchCommands.Add(SucceedCommand(schema, finished, DateTimeOffset.UtcNow));
        await batch.PrepareAsync();
        await batch.ExecuteNonQueryAsync();
    }

    private static NpgsqlBatchCommand SucceedCommand(string schema, IReadOnlyList<TakenJob> finished, DateTimeOffset now) =>
        Command(PostgresJobStore.SucceedSql, schema, Node, now, Ids(finished), Attempts(finished), new string?[finished.Count], new DateTime?[finished.Count]);
}
