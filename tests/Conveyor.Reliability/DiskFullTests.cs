namespace Conveyor.Reliability;

/// <summary>The SQLite store on a file system that runs full: a clear refusal, nothing half-stored, and recovery after.</summary>
[Collection(Suites.SingleNode)]
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private static readonly ClusterTimings Timings = ClusterTimings.Short;

    [SkippableFact]
    public async Task DiskFull_EnqueueFailsClearly_NothingHalfStored_NodeRecoversWhenSpaceReturns()
    {
        var (fileSystem, reason) = await SmallFileSystem.TryMountAsync();
        Skip.If(fileSystem is null, reason);
        await using var mounted = fileSystem!;
        await using var site = new SqliteSite(Path.Combine(mounted.Folder, "store"));
        await site.OkAsync("migrate");
        var worker = await site.StartWorkerAsync("node-1", Timings, "--concurrency", "4");
        await site.EnqueueManyAsync("conveyor.noop", 50);
        await TestCluster.UntilAsync(async () => (await site.CountsAsync()).GetValueOrDefault("succeeded") == 50,
            TimeSpan.FromSeconds(30), "the first 50 jobs", pollMilliseconds: 50);

        var filler = mounted.Fill();
        // 500 jobs of 4 KiB args: more than the whole file system, so no reuse of free pages can hold them.
        var file = Path.Combine(Path.GetTempPath(), $"conveyor-big-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Repeat($$"""{"pad": "{{new string('x', 4096)}}"}""", 500));
        try
        {
            var bulk = await site.RunAsync("enqueue", "conveyor.noop", "--from", file);
            var single = await site.RunAsync("enqueue", "conveyor.noop", "--args", $$"""{"pad": "{{new string('y', 60_000)}}"}""");
            output.WriteLine($"bulk enqueue on a full disk: {bulk}\nsingle enqueue on a full disk: {single}");
            foreach (var refused in new[] { bulk, single })
            {
                refused.ExitCode.ShouldBe(1, "a failed operation");
                refused.Stdout.ShouldBeEmpty("no id is printed for jobs that were not stored");
                refused.Stderr.ShouldContain("full", Case.Insensitive, "the error says the disk is full");
            }
            worker.HasExited.ShouldBeFalse("the node survives the full disk");
            File.Delete(filler);
            (await site.ScalarAsync("SELECT count(*) FROM conveyor_jobs")).ShouldBe(50, "nothing half-stored");
            (await site.TextAsync("PRAGMA integrity_check")).ShouldBe("ok");

            // Space is back: the same store takes new jobs and the same node runs them.
            await site.EnqueueManyAsync("conveyor.noop", 100);
            await TestCluster.UntilAsync(async () => (await site.CountsAsync()).GetValueOrDefault("succeeded") == 150,
                TimeSpan.FromSeconds(30), "the jobs enqueued after space returned", pollMilliseconds: 50);
            worker.HasExited.ShouldBeFalse();
            output.WriteLine("FIGURES disk-full: refused-enqueues=2 (500-job bulk, 1 job) half-stored=0 after-recovery=100 succeeded lost=0");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
