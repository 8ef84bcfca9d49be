using Conveyor.Postgres;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Benchmarks.ClaimDesigns;

/// <summary>
/// The store itself (<see cref="PostgresJobStore.ClaimAsync"/>, <see cref="PostgresJobStore.CompleteManyAsync"/>) in the
/// study's loop: its own sessions, parameters and result reading. Against <see cref="CurrentDesign"/> it shows what the
/// store adds around the same statements.
/// </summary>
internal sealed class StoreDesign(PostgresJobStore store) : ClaimDesign
{
    public override string Name => "store";

    public override string Question => "the store's ClaimAsync and CompleteManyAsync (same statements, the store's client side)";

    public override async Task<List<TakenJob>> ClaimAsync(NpgsqlConnection connection, string schema, int limit, IReadOnlyList<TakenJob> finished)
    {
        var now = DateTimeOffset.UtcNow;
        var claimed = await store.ClaimAsync(new ClaimJobsParams(Node, "default", Kinds, limit, now, now.AddSeconds(30)));
        return [.. claimed.Select(j => new TakenJob(j.Id, j.Attempt, 0))];
    }

    public override Task CompleteAsync(NpgsqlConnection connection, string schema, IReadOnlyList<TakenJob> finished) =>
        store.CompleteManyAsync(new CompleteJobsParams(
            Node, [.. finished.Select(j => new JobCompletion(j.Id, j.Attempt, JobOutcome.Succeeded))], DateTimeOffset.UtcNow));
}
