// Hangfire 1.8 on PostgreSQL (Hangfire.PostgreSql 1.21), measured as `conveyor bench` measures Conveyor and
// ../node/measure.mjs the Node peers; one JSON line per measure on stdout.
//   PEERS_PG_NPGSQL="Host=…;Port=…;Username=…;Database=…" dotnet run -c Release -- [--jobs 20000] [--concurrency 16]
//       [--measures enqueue_single,enqueue_bulk,process,latency] [--round 1] [--profile tuned|default]
// Each measure gets a Hangfire schema of its own (installed before the clock starts, dropped after). A warm-up of
// 300 jobs on a schema of its own runs first, as `conveyor bench` warms the runtime up.
using System.Diagnostics;
using System.Text.Json;
using System.Transactions;
using Conveyor.Peers.Hangfire;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

var flags = new Dictionary<string, string>();
for (var i = 0; i < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
        return Fail($"expected --name value pairs, got {string.Join(' ', args[i..])}");
    flags[args[i][2..]] = args[i + 1];
}
string[] known = ["jobs", "concurrency", "measures", "round", "profile"];
if (flags.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown) return Fail($"unknown option --{unknown} (known: {string.Join(", ", known)})");
var jobs = int.Parse(flags.GetValueOrDefault("jobs", "20000"));
var concurrency = int.Parse(flags.GetValueOrDefault("concurrency", "16"));
var measures = flags.GetValueOrDefault("measures", "enqueue_single,enqueue_bulk,process,latency").Split(',');
var round = flags.GetValueOrDefault("round", "1");
var profile = flags.GetValueOrDefault("profile", "tuned");
if (profile is not ("tuned" or "default")) return Fail($"unknown profile {profile} (tuned, default)");
var connectionString = Environment.GetEnvironmentVariable("PEERS_PG_NPGSQL");
if (string.IsNullOrWhiteSpace(connectionString)) return Fail("PEERS_PG_NPGSQL is not set (bench/peers/run.sh sets it)");

// tuned: the fastest settings the library offers without unsafe values: a 50 ms queue poll (its floor), the
// recommended serializer settings (fewer job parameters), and Npgsql preparing Hangfire's ~20 statements per job
// and not resetting a pooled session that Hangfire opens and closes per operation.
var hangfireConnection = profile == "tuned" ? connectionString + ";Max Auto Prepare=50;Auto Prepare Min Usages=2;No Reset On Close=true" : connectionString;
if (profile == "tuned")
{
    GlobalConfiguration.Configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
        .UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
}
const string SystemName = "hangfire 1.8.25 + Hangfire.PostgreSql 1.21.1";
var schemas = new List<string>();

try
{
    WarmUp();
    if (measures.Contains("enqueue_single")) EnqueueSingle();
    if (measures.Contains("enqueue_bulk") || measures.Contains("process")) EnqueueBulkThenProcess();
    if (measures.Contains("latency")) Latency();
}
finally
{
    foreach (var schema in schemas) Execute($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
}
return 0;

void WarmUp()
{
    var storage = Storage(out _);
    var client = new BackgroundJobClient(storage);
    BenchJobs.Reset();
    for (var i = 0; i < 300; i++) client.Enqueue(() => BenchJobs.Noop());
    using var server = Server(storage);
    Until(() => BenchJobs.Ran >= 300, TimeSpan.FromSeconds(120), "the warm-up jobs to run");
    server.SendStop();
}

void EnqueueSingle()
{
    var client = new BackgroundJobClient(Storage(out _));
    Execute("CHECKPOINT");
    var next = -1;
    var watch = Stopwatch.StartNew();
    // Hangfire's client is synchronous: one thread per lane, each waiting for its enqueue before the next.
    var lanes = Enumerable.Range(0, Math.Min(concurrency, jobs)).Select(_ => new Thread(() =>
    {
        while (Interlocked.Increment(ref next) < jobs) client.Enqueue(() => BenchJobs.Noop());
    })).ToList();
    lanes.ForEach(t => t.Start());
    lanes.ForEach(t => t.Join());
    Report("enqueue_single", Throughput(watch.Elapsed));
}

void EnqueueBulkThenProcess()
{
    var storage = Storage(out var schema);
    var client = new BackgroundJobClient(storage);
    Execute("CHECKPOINT");
    // Hangfire has no bulk enqueue (batches are Hangfire Pro): the closest is 1,000 enqueues in one transaction.
    var watch = Stopwatch.StartNew();
    for (var done = 0; done < jobs; done += 1000)
    {
        using var scope = new TransactionScope(TransactionScopeOption.Required,
            new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted, Timeout = TimeSpan.FromMinutes(10) });
        for (var j = 0; j < Math.Min(1000, jobs - done); j++) client.Enqueue(() => BenchJobs.Noop());
        scope.Complete();
    }
    if (measures.Contains("enqueue_bulk")) Report("enqueue_bulk", Throughput(watch.Elapsed, "1,000 enqueues per TransactionScope"));
    if (!measures.Contains("process")) return;

    if (Count($"SELECT count(*) FROM \"{schema}\".jobqueue") != jobs) throw new InvalidOperationException($"expected {jobs} queued jobs");
    Execute("CHECKPOINT");
    BenchJobs.Reset();
    watch.Restart();
    using var server = Server(storage);
    Until(() => BenchJobs.Ran >= jobs, TimeSpan.FromMinutes(30), "every job to run");
    Until(() => Count($"SELECT count(*) FROM \"{schema}\".job WHERE statename = 'Succeeded'") == jobs
        && Count($"SELECT count(*) FROM \"{schema}\".jobqueue") == 0, TimeSpan.FromSeconds(60), "every job succeeded in the store");
    Report("process", Throughput(watch.Elapsed));
    server.SendStop();
}

void Latency()
{
    const int count = 200;
    var storage = Storage(out _);
    var client = new BackgroundJobClient(storage);
    BenchJobs.Reset(count);
    using var server = Server(storage);
    Thread.Sleep(1000); // idle, as a worker waiting for work
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < count; i++)
    {
        var wait = TimeSpan.FromMilliseconds(i * 10) - Stopwatch.GetElapsedTime(start);
        if (wait > TimeSpan.Zero) Thread.Sleep(wait);
        var index = i;
        var sentAt = Stopwatch.GetTimestamp();
        client.Enqueue(() => BenchJobs.Started(index, sentAt));
    }
    Until(() => BenchJobs.Ran >= count, TimeSpan.FromSeconds(120), "every latency job to start");
    var sorted = BenchJobs.Latencies.Order().ToArray();
    double At(double p) => Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)], 2);
    Report("latency", new() { ["p50_ms"] = At(50), ["p99_ms"] = At(99), ["samples"] = sorted.Length });
    server.SendStop();
}

PostgreSqlStorage Storage(out string schema)
{
    schema = $"hangfire_{Guid.NewGuid():N}"[..21];
    schemas.Add(schema);
    var options = new PostgreSqlStorageOptions { SchemaName = schema, PrepareSchemaIfNecessary = true };
    if (profile == "tuned") options.QueuePollInterval = TimeSpan.FromMilliseconds(50);
    return new PostgreSqlStorage(new NpgsqlConnectionFactory(hangfireConnection, options), options);
}

BackgroundJobServer Server(PostgreSqlStorage storage) =>
    new(new BackgroundJobServerOptions { WorkerCount = concurrency, Queues = ["default"] }, storage);

Dictionary<string, object> Throughput(TimeSpan took, string? note = null)
{
    var fields = new Dictionary<string, object> { ["jobs_per_s"] = Math.Round(jobs / took.TotalSeconds), ["seconds"] = Math.Round(took.TotalSeconds, 3) };
    if (note is not null) fields["note"] = note;
    return fields;
}

void Report(string measure, Dictionary<string, object> fields)
{
    var line = new Dictionary<string, object> { ["system"] = SystemName, ["profile"] = profile, ["round"] = round, ["measure"] = measure, ["jobs"] = measure == "latency" ? 200 : jobs, ["concurrency"] = concurrency };
    foreach (var (key, value) in fields) line[key] = value;
    Console.Out.WriteLine(JsonSerializer.Serialize(line));
    Console.Out.Flush();
}

void Until(Func<bool> condition, TimeSpan timeout, string what)
{
    var watch = Stopwatch.StartNew();
    while (!condition())
    {
        if (watch.Elapsed > timeout) throw new TimeoutException($"timed out after {timeout} waiting for {what}");
        Thread.Sleep(2);
    }
}

long Count(string sql)
{
    using var connection = new NpgsqlConnection(connectionString);
    connection.Open();
    using var command = new NpgsqlCommand(sql, connection);
    return Convert.ToInt64(command.ExecuteScalar());
}

void Execute(string sql)
{
    using var connection = new NpgsqlConnection(connectionString);
    connection.Open();
    using var command = new NpgsqlCommand(sql, connection);
    command.ExecuteNonQuery();
}

static int Fail(string message)
{
    Console.Error.WriteLine($"hangfire bench: {message}");
    return 2;
}
