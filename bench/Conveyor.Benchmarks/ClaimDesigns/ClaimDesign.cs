using Npgsql;

namespace Conveyor.Benchmarks.ClaimDesigns;

/// <summary>A job a design's claim took: its id, the attempt it is on, and the lease row that holds it (0 when the job row itself is the lease).</summary>
internal readonly record struct TakenJob(long Id, int Attempt, long Lease);

/// <summary>
/// One way of leasing jobs to a node and storing their success, written as the statements a store would send. The
/// study drives every design through the same loop (claims of up to 16 on one session, completions of whatever
/// finished meanwhile on another), so what differs between their figures is the SQL.
/// </summary>
internal abstract class ClaimDesign
{
    protected const string Node = "study";
    protected static readonly string[] Kinds = [StoreFixture.Job().Kind];

    public abstract string Name { get; }

    /// <summary>What the design's figure answers, for the report.</summary>
    public abstract string Question { get; }

    /// <summary>The table whose rows the design finishes (the study checks there that every job succeeded).</summary>
    public virtual string JobsTable => "jobs";

    /// <summary>True when the completions ride in the next claim's round trip instead of a session of their own.</summary>
    public virtual bool CompletesWithClaim => false;

    /// <summary>The tables the design adds beside the store's schema, emptied before each run with the jobs.</summary>
    public virtual IReadOnlyList<string> Tables => [];

    /// <summary>Creates <see cref="Tables"/> (<c>{s}</c> is the schema); null when the design adds none.</summary>
    protected virtual string? CreateSql => null;

    /// <summary>Run after the store's bulk insert of a run's jobs: what else the design keeps per queued job; null for nothing.</summary>
    protected virtual string? FillSql => null;

    public Task CreateAsync(NpgsqlConnection connection, string schema) => ExecuteAsync(connection, schema, CreateSql);

    public Task FillAsync(NpgsqlConnection connection, string schema) => ExecuteAsync(connection, schema, FillSql);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string schema, string? sql)
    {
        if (sql is null) return;
        await using var command = new NpgsqlCommand(sql.Replace("{s}", schema, StringComparison.Ordinal), connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Leases up to <paramref name="limit"/> jobs; with <see cref="CompletesWithClaim"/>, stores <paramref name="finished"/> first.</summary>
    public abstract Task<List<TakenJob>> ClaimAsync(NpgsqlConnection connection, string schema, int limit, IReadOnlyList<TakenJob> finished);

    /// <summary>Stores the success of <paramref name="finished"/>.</summary>
    public abstract Task CompleteAsync(NpgsqlConnection connection, string schema, IReadOnlyList<TakenJob> finished);

    /// <summary>The execution settings every claim and completion batch of the store starts with.</summary>
    protected static NpgsqlBatch NewBatch(NpgsqlConnection connection)
    {
        var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Postgres.PostgresJobStore.ExecutionSettingsAsyncCommitSql));
        return batch;
    }

    protected static NpgsqlBatchCommand Command(string sql, string schema, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql.Replace("{s}", schema, StringComparison.Ordinal));
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    /// <summary>Runs <paramref name="batch"/> and reads the last result's rows: id, attempt, then (optionally) the lease.</summary>
    protected static async Task<List<TakenJob>> ReadTakenAsync(NpgsqlBatch batch, int leaseColumn = -1)
    {
        await using var owned = batch;
        await batch.PrepareAsync();
        var taken = new List<TakenJob>();
        await using var reader = await batch.ExecuteReaderAsync();
        for (var i = 1; i < batch.BatchCommands.Count; i++) await reader.NextResultAsync();
        while (await reader.ReadAsync())
        {
            // Read what a node reads of each claimed job, so every design pays the same client-side cost.
            _ = reader.GetString(1);
            _ = reader.GetString(3);
            taken.Add(new TakenJob(reader.GetInt64(0), reader.GetInt32(4), leaseColumn < 0 ? 0 : reader.GetInt64(leaseColumn)));
        }
        return taken;
    }

    protected static long[] Ids(IReadOnlyList<TakenJob> jobs) => [.. jobs.Select(j => j.Id)];

    protected static int[] Attempts(IReadOnlyList<TakenJob> jobs) => [.. jobs.Select(j => j.Attempt)];

    protected static long[] Leases(IReadOnlyList<TakenJob> jobs) => [.. jobs.Select(j => j.Lease).Distinct()];
}
