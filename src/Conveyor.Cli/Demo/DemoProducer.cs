namespace Conveyor.Cli.Demo;

/// <summary>Enqueues a stream of sample jobs: mostly mails, some reports, some inventory syncs that need a retry.</summary>
internal sealed class DemoProducer(JobClient client, DemoEvents events)
{
    private static readonly string[] People = ["ada", "grace", "alan", "edsger", "barbara", "ken", "margaret", "linus"];
    private static readonly string[] Warehouses = ["north", "south", "east", "west"];

    /// <summary>How often a job is added after the first burst.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>Enqueues a first burst at once (so work shows at once), then one job per <see cref="Interval"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var burst = new List<JobRequest>
        {
            Mail(), Mail(), Mail(), Mail(), Mail(), Report(), Sync(), Mail(), Mail(), Report(),
        };
        await EnqueueAsync(burst, cancellationToken);
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var roll = Random.Shared.NextDouble();
            var next = roll < 0.7 ? Mail() : roll < 0.85 ? Report() : Sync();
            await EnqueueAsync([next], cancellationToken);
        }
    }

    private async Task EnqueueAsync(List<JobRequest> jobs, CancellationToken cancellationToken)
    {
        await client.EnqueueManyAsync(jobs, cancellationToken);
        foreach (var job in jobs) events.Enqueued(job.Kind);
    }

    private static JobRequest Mail() =>
        new(DemoKinds.SendMail, $$"""{"to":"{{People[Random.Shared.Next(People.Length)]}}@example.com"}""");

    private static JobRequest Report() =>
        new(DemoKinds.BuildReport, $$"""{"pages":{{Random.Shared.Next(4, 11)}}}""", new JobOptions { Queue = DemoKinds.ReportsQueue });

    private static JobRequest Sync() =>
        new(DemoKinds.SyncInventory, $$"""{"warehouse":"{{Warehouses[Random.Shared.Next(Warehouses.Length)]}}"}""", new JobOptions { MaxAttempts = 3 });
}
