using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Conveyor.Postgres;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.Benchmarks.ClaimDesigns;

/// <summary>
/// <c>dotnet run -c Release --project bench/Conveyor.Benchmarks -- claim-designs &lt;postgres&gt; [--runs R] [--jobs N] [--slots S]</c>:
/// how fast each way of leasing and finishing jobs can go on this PostgreSQL, with no node around it. Every run queues
/// N jobs through the store's bulk insert, then one session claims S (16) at a time while another stores the successes of
/// what was claimed (as a node's dispatcher and completer do with no-op jobs), until the queue is empty; the figure
/// is jobs per second. The designs take turns within each round, so a slow minute of the machine hits them all.
/// Each run checks that every job was claimed once and stored as succeeded.
/// </summary>
internal static class ClaimDesignStudy
{

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: claim-designs <postgres connection string or URL> [--runs R] [--jobs N] [--slots S]");
            return 2;
        }
        if (Option(args, "--runs", 5) is not { } runs || Option(args, "--jobs", 20_000) is not { } jobs || Option(args, "--slots", 16) is not { } slots)
            return 2;
        PostgresStoreOptions settings;
        try
        {
            settings = PostgresConnectionString.Parse(args[0]) with { Schema = $"conveyor_designs_{Guid.NewGuid():N}"[..30] };
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        await using var store = new PostgresJobStore(settings);
        try
        {
            await store.MigrateAsync();
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"cannot reach the server: {e.Message}");
            return 1;
        }
        var schema = settings.Schema;
        try
        {
            ClaimDesign[] designs = [new StoreDesign(store), new CurrentDesign(), new CombinedDesign(), new NarrowTableDesign(), new RangeLeaseDesign(), new HotUpdateDesign()];
            await using (var connection = await store.DataSource.OpenConnectionAsync())
            {
                foreach (var design in designs) await design.CreateAsync(connection, schema);
            }
            var rates = designs.ToDictionary(d => d.Name, _ => new List<double>());
            // Each run starts from empty tables: the jobs and every design's own.
            var everyTable = string.Join(", ", designs.SelectMany(d => d.Tables).Prepend("jobs").Distinct().Select(t => $"{schema}.{t}"));
            // Round 0 warms every path up (JIT, prepared statements) and is not reported.
            for (var round = 0; round <= runs; round++)
            {
                for (var i = 0; i < designs.Length; i++)
                {
                    var design = designs[(i + round) % designs.Length];
                    var rate = await RunOnceAsync(store, schema, design, jobs, slots, everyTable);
                    if (round > 0) rates[design.Name].Add(rate);
                }
                if (round > 0) Console.Error.WriteLine($"round {round}: " + string.Join(", ", designs.Select(d => $"{d.Name} {rates[d.Name][^1]:N0}")));
            }
            Console.WriteLine($"{jobs:N0} jobs, claims of {slots}, {runs} rounds (jobs/s: median, min–max, every run):");
            foreach (var design in designs)
            {
                var sorted = rates[design.Name].Order().ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {design.Name,-10} {sorted[sorted.Count / 2],8:N0}  ({sorted[0]:N0}–{sorted[^1]:N0})  [{string.Join(" ", rates[design.Name].Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}]  {design.Question}"));
            }
            return 0;
        }
        finally
        {
            await store.DropSchemaAsync();
        }
    }

    private static async Task<double> RunOnceAsync(PostgresJobStore store, string schema, ClaimDesign design, int count, int slots, string everyTable)
    {
        await using (var connection = await store.DataSource.OpenConnectionAsync())
        {
            await using var truncate = new NpgsqlCommand($"TRUNCATE {everyTable}", connection);
            await truncate.ExecuteNonQueryAsync();
        }
        var runAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        // The benchmarks' usual job, due now (the fixture's are due in 2030, and these claims use the clock).
        var queued = new NewJob[count];
        for (var i = 0; i < count; i++) queued[i] = StoreFixture.Job() with { RunAt = runAt };
        await store.InsertManyAsync(new InsertJobsParams(queued, runAt));
        await using var claims = await store.DataSource.OpenConnectionAsync();
        await using var completions = await store.DataSource.OpenConnectionAsync();
        await design.FillAsync(claims, schema);

        var watch = Stopwatch.StartNew();
        var claimed = 0;
        if (design.CompletesWithClaim)
        {
            List<TakenJob> finished = [];
            while (true)
            {
                var taken = await design.ClaimAsync(claims, schema, slots, finished);
                claimed += taken.Count;
                finished = taken;
                if (taken.Count == 0) break;
            }
        }
        else
        {
            var channel = Channel.CreateUnbounded<List<TakenJob>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var completer = CompleteAllAsync(design, completions, schema, channel.Reader);
            while (true)
            {
                var taken = await design.ClaimAsync(claims, schema, slots, []);
                if (taken.Count == 0) break;
                claimed += taken.Count;
                channel.Writer.TryWrite(taken);
            }
            channel.Writer.Complete();
            await completer;
        }
        var elapsed = watch.Elapsed;

        await using var check = new NpgsqlCommand($"SELECT count(*) FILTER (WHERE state = 'succeeded'), count(*) FROM {schema}.{design.JobsTable}", claims);
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (succeeded, total) = (reader.GetInt64(0), reader.GetInt64(1));
        if (claimed != count || succeeded != count || total != count)
            throw new InvalidOperationException($"{design.Name}: {claimed} claimed, {succeeded} of {total} succeeded, {count} queued");
        return count / elapsed.TotalSeconds;
    }

    /// <summary>Stores whatever finished while the previous call ran, in one call (the node's completer does the same).</summary>
    private static async Task CompleteAllAsync(ClaimDesign design, NpgsqlConnection connection, string schema, ChannelReader<List<TakenJob>> finished)
    {
        var batch = new List<TakenJob>();
        while (await finished.WaitToReadAsync())
        {
            while (finished.TryRead(out var taken)) batch.AddRange(taken);
            await design.CompleteAsync(connection, schema, batch);
            batch.Clear();
        }
    }

    /// <summary>The positive whole number after <paramref name="name"/>, or <paramref name="fallback"/>; null (said on stderr) when it is not one.</summary>
    private static int? Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        if (at < 0) return fallback;
        if (at + 1 < args.Length && int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
            return value;
        Console.Error.WriteLine($"{name} needs a positive whole number");
        return null;
    }
}
