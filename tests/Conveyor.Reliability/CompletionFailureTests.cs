namespace Conveyor.Reliability;

/// <summary>The write that records a finished job fails after the handler ran: the node retries it, it never reruns the job.</summary>
[Collection(Suites.SingleNode)]
public sealed class CompletionFailureTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [Fact]
    public async Task CompletionWriteFailsThreeTimes_JobStillEndsSucceeded_HandlerRanOnce()
    {
        await using var cluster = await TestCluster.OnSharedServerAsync();
        await using var processes = new ProcessGroup();
        await Sql.CreateLedgerAsync(cluster);
        var s = cluster.Schema;
        // The fault lives in the database: a sequence counts outside transactions, so the first three writes that
        // would mark a job succeeded raise, and the fourth passes.
        await Sql.ExecuteAsync(cluster.Server.ConnectionString, $"""
            CREATE SEQUENCE "{s}".completion_faults;
            CREATE FUNCTION "{s}".fail_completions() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('"{s}".completion_faults') <= 3 THEN
                    RAISE EXCEPTION 'injected completion failure';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER fail_completions BEFORE UPDATE ON "{s}".jobs
                FOR EACH ROW WHEN (OLD.state = 'running' AND NEW.state = 'succeeded') EXECUTE FUNCTION "{s}".fail_completions();
            """);
        var node = processes.Add(await TestNode.StartAsync(Sql.NodeStore(cluster), cluster.Directory, "node-1", Timings));
        var id = (await cluster.EnqueueManyAsync("ledger", 1))[0];

        await TestCluster.UntilAsync(async () => (await cluster.JobAsync(id)).GetProperty("state").GetString() == "succeeded",
            TimeSpan.FromSeconds(30), "the job to succeed after three refused completions");
        var job = await cluster.JobAsync(id);
        job.GetProperty("attempt").GetInt32().ShouldBe(1);
        job.GetProperty("errors").GetArrayLength().ShouldBe(0);
        (await Sql.ScalarAsync<long>(cluster.Server.ConnectionString, $"SELECT count(*) FROM \"{s}\".ledger WHERE job_id = {id}")).ShouldBe(1, "the handler ran once");
        (await Sql.ScalarAsync<long>(cluster.Server.ConnectionString, $"SELECT last_value FROM \"{s}\".completion_faults")).ShouldBe(4, "three refused writes, then the one stored");
        node.Output.ShouldContain("injected completion failure");
        output.WriteLine("FIGURES completion-failure: jobs=1 refused-writes=3 runs=1 final=succeeded");
    }
}
