using System.Globalization;

namespace Conveyor.Cli.Soak;

/// <summary>
/// Enqueues the mixed load at a steady rate until stopped: short, long, failing, keyed, unique and scheduled jobs, in one
/// queue and key space of this run (so runs on one store never see each other). A failed enqueue (the store restarting)
/// is counted and the loop goes on.
/// </summary>
internal sealed class SoakLoad(JobClient client, SoakSettings settings, SoakLedger ledger, Random random)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var interval = TimeSpan.FromSeconds(1.0 / settings.JobsPerSecond);
        var next = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            var (type, request) = Next();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var result = await client.EnqueueAsync(request, timeout.Token);
                if (result.Existing) ledger.UniqueMatches.AddOrUpdate(result.Id, 1, (_, n) => n + 1);
                else ledger.Jobs[result.Id] = type;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return; // the load's time is up while an enqueue was on its way: it was never acknowledged
            }
            catch (Exception)
            {
                ledger.EnqueueFailed();
            }
            next += interval;
            var wait = next - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else if (wait < -TimeSpan.FromSeconds(5))
            {
                next = DateTime.UtcNow; // the store was down: do not make up for the lost time in a burst
            }
        }
    }

    private (SoakJobType, JobRequest) Next()
    {
        var roll = random.Next(100);
        var queue = settings.Queue;
        return roll switch
        {
            < 35 => (SoakJobType.Short, new JobRequest("conveyor.noop", "{}", new JobOptions { Queue = queue })),
            < 45 => (SoakJobType.Long, new JobRequest("conveyor.sleep", Sleep(random.Next(2000, 6000)), new JobOptions { Queue = queue })),
            < 55 => (SoakJobType.Failing, new JobRequest("conveyor.fail", "{\"message\":\"soak: failing on purpose\"}", new JobOptions { Queue = queue, MaxAttempts = 2 })),
            < 75 => (SoakJobType.Keyed, new JobRequest("conveyor.sleep", Sleep(50),
                new JobOptions { Queue = queue, OrderingKey = $"{settings.RunId}:order:{random.Next(8)}" })),
            < 87 => (SoakJobType.Unique, new JobRequest("conveyor.sleep", Sleep(300),
                new JobOptions { Queue = queue, UniqueKey = $"{settings.RunId}:unique:{random.Next(16)}" })),
            _ => (SoakJobType.Scheduled, new JobRequest("conveyor.noop", "{}",
                new JobOptions { Queue = queue, Delay = TimeSpan.FromMilliseconds(random.Next(1000, 10_000)) })),
        };
    }

    private static string Sleep(int ms) => string.Create(CultureInfo.InvariantCulture, $"{{\"ms\":{ms}}}");
}
