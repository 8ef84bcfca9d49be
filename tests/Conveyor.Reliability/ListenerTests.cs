using System.Diagnostics;

namespace Conveyor.Reliability;

/// <summary>
/// The LISTEN connection killed on the server (<c>pg_terminate_backend</c>), again and again for a few seconds: jobs
/// still start within the poll interval, <c>/healthz</c> says the node is degraded meanwhile, and the listener comes back.
/// </summary>
[Collection(Suites.Cluster)]
public sealed class ListenerTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task ListenConnectionTerminated_JobsStartWithinPollInterval_HealthSaysDegraded_ListenerComesBack()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var processes = new ProcessGroup();
        var cs = cluster.Server.ConnectionString;
        var port = PostgresServer.FreePort();
        var serve = processes.Add(WorkerProcess.Start(ConveyorCli.StartInfo(cluster.Store, cluster.Directory,
            ["serve", "--urls", $"http://127.0.0.1:{port}", "--name", "web-1", .. Timings.Arguments, "--poll-interval", $"{PollInterval.TotalMilliseconds}ms"])));
        await serve.WaitForOutputAsync("started", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        (await http.GetStringAsync("/healthz")).ShouldBe("ok\n");
        output.WriteLine($"poll interval {PollInterval.TotalSeconds}s; timings: {Timings}");
        var before = new List<TimeSpan>();
        for (var i = 0; i < 5; i++) before.Add(await StartLatencyAsync(cluster));
        output.WriteLine($"before the kills, jobs started after {string.Join(", ", before.Select(l => $"{l.TotalSeconds:F2}s"))}");
        // Mostly, not always: about one job in ten was seen to start at the next poll instead, listener up or not.
        before.Count(l => l < TimeSpan.FromSeconds(1)).ShouldBeGreaterThanOrEqualTo(3, "with the listener up, notifications start the jobs");

        // Kill every LISTEN session of this schema as soon as it appears, for 6 s, while health is read and a job is enqueued.
        var listen = $"LISTEN \"{cluster.Schema}.jobs\"";
        var kills = 0;
        var degradedSeen = 0;
        var healthReads = 0;
        using var stopKilling = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var killer = Task.Run(async () =>
        {
            while (!stopKilling.IsCancellationRequested)
            {
                kills += await Sql.ScalarAsync<int>(cs, $"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = '{listen}' AND pid <> pg_backend_pid()");
                await Task.Delay(20);
            }
        });
        var withoutListener = new List<TimeSpan>();
        while (!stopKilling.IsCancellationRequested)
        {
            var body = await http.GetStringAsync("/healthz");
            healthReads++;
            if (body.StartsWith("degraded: the LISTEN connection to PostgreSQL is lost", StringComparison.Ordinal)) degradedSeen++;
            else body.ShouldBe("ok\n");
            if (withoutListener.Count < 2 && kills > 0) withoutListener.Add(await StartLatencyAsync(cluster));
            await Task.Delay(50);
        }
        await killer;
        output.WriteLine($"{kills} LISTEN sessions terminated in 6 s; /healthz said degraded {degradedSeen} of {healthReads} reads");
        output.WriteLine($"jobs enqueued meanwhile started after {string.Join(", ", withoutListener.Select(l => $"{l.TotalSeconds:F2}s"))}");
        kills.ShouldBeGreaterThan(0);
        degradedSeen.ShouldBeGreaterThan(0, "health reports the lost listener while it is down");
        withoutListener.ShouldAllBe(l => l < PollInterval + TimeSpan.FromSeconds(1), "jobs still start within the poll interval");

        // The listener comes back: health is ok again, and jobs start at once on a notification, not at the next poll.
        var back = await TestCluster.UntilAsync(async () => await http.GetStringAsync("/healthz") == "ok\n", TimeSpan.FromSeconds(10), "health ok again", pollMilliseconds: 50);
        var withListener = new List<TimeSpan>();
        for (var i = 0; i < 5; i++) withListener.Add(await StartLatencyAsync(cluster));
        output.WriteLine($"listener back {back.TotalSeconds:F2}s after the kills stopped; jobs then started after {string.Join(", ", withListener.Select(l => $"{l.TotalSeconds:F2}s"))}");
        withListener.Count(l => l < TimeSpan.FromSeconds(1)).ShouldBeGreaterThanOrEqualTo(3, "notifications, not 3 s polls, start the jobs again");
        serve.HasExited.ShouldBeFalse();
        output.WriteLine($"FIGURES listen-killed: kills={kills} degraded-health-reads={degradedSeen}/{healthReads} start-without-listener-s={string.Join('/', withoutListener.Select(l => l.TotalSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} " +
            $"listener-back-s={back.TotalSeconds:F2} start-with-listener-s={string.Join('/', withListener.Select(l => l.TotalSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} lost=0");
    }

    /// <summary>Enqueues one job from outside the node and returns how long it took to start (enqueue to started_at, database times).</summary>
    private static async Task<TimeSpan> StartLatencyAsync(TestCluster cluster)
    {
        // Through the SQL entry point: its NOTIFY goes out with its commit, as any other program's would.
        var id = await Sql.ScalarAsync<long>(cluster.Server.ConnectionString, $"SELECT \"{cluster.Schema}\".enqueue('conveyor.noop')");
        await TestCluster.UntilAsync(async () => (await cluster.JobAsync(id)).GetProperty("state").GetString() == "succeeded",
            TimeSpan.FromSeconds(30), $"job {id} succeeded", pollMilliseconds: 100);
        return await Sql.ScalarAsync<TimeSpan>(cluster.Server.ConnectionString, $"SELECT started_at - created_at FROM \"{cluster.Schema}\".jobs WHERE id = {id}");
    }
}
