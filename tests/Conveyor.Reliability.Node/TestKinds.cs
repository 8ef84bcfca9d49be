using System.Text.Json;
using Conveyor.Postgres;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Reliability.Node;

/// <summary>
/// The kinds of the test node. <c>ledger {"ms": N}</c> writes one row (job, attempt, node) into the table
/// <c>SCHEMA.ledger</c> (which the test creates, unique on job and attempt) and then sleeps N ms: a second run of one
/// attempt breaks the constraint and fails loudly. <c>poison</c> kills its process at once (<see cref="Environment.FailFast(string)"/>).
/// <c>hold {"ms": N}</c> takes a connection from the store's own pool and keeps it N ms. <c>sleep {"ms": N}</c> honours cancellation.
/// </summary>
internal static class TestKinds
{
    public static ConveyorBuilder AddTestKinds(this ConveyorBuilder builder) => builder
        .AddJob("noop", () => Task.CompletedTask)
        .AddJob("sleep", (JobContext context, CancellationToken ct) => Task.Delay(Milliseconds(context), ct))
        .AddJob("ledger", async (JobContext context, IJobStore store, CancellationToken ct) =>
        {
            var postgres = (PostgresJobStore)store;
            await using (var insert = postgres.DataSource.CreateCommand(
                $"INSERT INTO \"{postgres.Options.Schema}\".ledger (job_id, attempt, node) VALUES ($1, $2, $3)"))
            {
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = context.Id });
                insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = context.Attempt });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Environment.GetEnvironmentVariable("CONVEYOR_TEST_NODE") ?? "" });
                await insert.ExecuteNonQueryAsync(ct);
            }
            if (Milliseconds(context) > TimeSpan.Zero) await Task.Delay(Milliseconds(context), ct);
        })
        .AddJob("poison", (JobContext context) => Environment.FailFast($"poison job {context.Id} kills its node"))
        .AddJob("hold", async (JobContext context, IJobStore store, CancellationToken ct) =>
        {
            await using var connection = await ((PostgresJobStore)store).DataSource.OpenConnectionAsync(ct);
            await using var sleep = new NpgsqlCommand("SELECT pg_sleep($1)", connection);
            sleep.Parameters.Add(new NpgsqlParameter<double> { TypedValue = Milliseconds(context).TotalSeconds });
            await sleep.ExecuteNonQueryAsync(ct);
        });

    private static TimeSpan Milliseconds(JobContext context)
    {
        using var args = JsonDocument.Parse(context.ArgsJson);
        return args.RootElement.ValueKind == JsonValueKind.Object && args.RootElement.TryGetProperty("ms", out var ms)
            ? TimeSpan.FromMilliseconds(ms.GetInt64())
            : TimeSpan.Zero;
    }
}
