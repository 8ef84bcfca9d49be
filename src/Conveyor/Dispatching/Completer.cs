using System.Threading.Channels;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Dispatching;

/// <summary>
/// Batches outcomes: whatever finished while the previous store call ran goes in the next one, so a
/// busy node finishes many jobs per round trip and an idle one adds no delay. A failed store call is
/// retried with backoff, never dropped: until the outcome is stored the job keeps its lease.
/// </summary>
/// <remarks>
/// An outcome the store refuses (the node lost the attempt's lease: rescued, cancelled or deleted meanwhile) is logged and
/// counted, never retried: another attempt, or the user, owns the job now.
/// </remarks>
internal sealed class Completer(IJobStore store, string nodeName, int batchSize, TimeProvider time, ILogger logger,
    Observability.ConveyorMetrics? metrics = null)
{
    private readonly Channel<(JobCompletion Completion, RunningJob Job)> _channel =
        Channel.CreateUnbounded<(JobCompletion, RunningJob)>(new UnboundedChannelOptions { SingleReader = true });

    private int _pending;

    /// <summary>Called after each stored batch with the jobs it finished. The list is reused for the next batch: do not keep it.</summary>
    public event Action<IReadOnlyList<RunningJob>>? Stored;

    /// <summary>Outcomes handed in and not stored yet. Dispatchers stop claiming while this is at its limit.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public void Add(JobCompletion completion, RunningJob job)
    {
        Interlocked.Increment(ref _pending);
        if (!_channel.Writer.TryWrite((completion, job)))
            throw new InvalidOperationException("the completer is stopped; no outcome can be stored any more");
    }

    /// <summary>No more outcomes will come; <see cref="RunAsync"/> ends once it stored the rest.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Stores outcomes until <see cref="Complete"/>; <paramref name="giveUp"/> ends retries of a store that is down.</summary>
    public async Task RunAsync(CancellationToken giveUp)
    {
        // Both lists live as long as the loop and grow to the largest batch seen: sized to batchSize up front
        // (1,000 by default) they cost 8 KB each, while a busy node's batches are a few dozen jobs.
        var batch = new List<JobCompletion>();
        var jobs = new List<RunningJob>();
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (batch.Count < batchSize && reader.TryRead(out var item))
            {
                batch.Add(item.Completion);
                jobs.Add(item.Job);
            }
            if (!await StoreAsync(batch, giveUp).ConfigureAwait(false))
            {
                // Pending, not the channel's count: a single-reader channel cannot count, and asking it threw here.
                logger.LogError("{Count} job outcomes could not be stored before shutdown; their leases will run out and the leader will put them back", Pending);
                return;
            }
            Interlocked.Add(ref _pending, -batch.Count);
            try
            {
                Stored?.Invoke(jobs);
            }
            catch (Exception e)
            {
                // A bug in what follows a stored batch must not end this loop: every later outcome would then
                // stay unstored while the node goes on claiming.
                logger.LogError(e, "Handling {Count} stored job outcomes failed; outcomes are still being stored", jobs.Count);
            }
            batch.Clear();
            jobs.Clear();
        }
    }

    private void ReportRefused(List<JobCompletion> batch, IReadOnlyList<long> refused)
    {
        var ids = refused.ToHashSet();
        foreach (var completion in batch)
        {
            if (!ids.Contains(completion.Id))
                continue;
            logger.LogWarning("Outcome {Outcome} of job {JobId} attempt {Attempt} from node {Node} was refused: the node no longer holds that attempt's lease",
                completion.Outcome, completion.Id, completion.Attempt, nodeName);
            metrics?.CompletionsRefused.Add(1);
        }
    }

    private async Task<bool> StoreAsync(List<JobCompletion> batch, CancellationToken giveUp)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                // The call itself is not cancelled: a half-sent batch is worse than a slow one.
                var refused = await store.CompleteManyAsync(new CompleteJobsParams(nodeName, batch.ToArray(), time.UtcNow()), CancellationToken.None)
                    .ConfigureAwait(false);
                if (refused.Count > 0)
                    ReportRefused(batch, refused);
                return true;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Storing {Count} job outcomes failed; retrying in {Delay}", batch.Count, delay);
            }
            try
            {
                await Task.Delay(delay, time, giveUp).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
        }
    }
}
