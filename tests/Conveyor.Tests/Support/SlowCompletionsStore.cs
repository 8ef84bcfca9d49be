using Conveyor.Storage;
using Conveyor.Storage.Memory;

namespace Conveyor.Tests.Support;

/// <summary>
/// A real memory store whose completions take <paramref name="delay"/>: stands for a database that completes
/// more slowly than it claims, or, with <see cref="CompletionsFail"/>, one that cannot complete at all; with
/// <see cref="HoldClaims"/>, one whose claims are slow to come back.
/// Everything else goes straight to the memory store.
/// </summary>
internal sealed class SlowCompletionsStore(TimeSpan delay) : IJobStore
{
    private readonly MemoryJobStore _inner = new();

    public string Name => _inner.Name;
    public StoreCapabilities Capabilities => _inner.Capabilities;
    public IJobNotifier? Notifier => _inner.Notifier;
    public IEnqueueClaimer? EnqueueClaimer => null;
    public ISpaceReclaimer? SpaceReclaimer => null;
    public ICronStore? Cron => null;
    public IBatchStore? Batches => _inner.Batches;
    public ILeaderElector LeaderElector => _inner.LeaderElector;
    public Task<IReadOnlyList<ActivityBucket>> GetActivityAsync(GetActivityParams parameters, CancellationToken cancellationToken = default) => _inner.GetActivityAsync(parameters, cancellationToken);
    public Task<IReadOnlyList<JobInfo>> ListOrderingKeyAsync(ListOrderingKeyParams parameters, CancellationToken cancellationToken = default) => _inner.ListOrderingKeyAsync(parameters, cancellationToken);
    public Task MigrateAsync(CancellationToken cancellationToken = default) => _inner.MigrateAsync(cancellationToken);
    public Task<IReadOnlyList<InsertedJob>> InsertManyAsync(InsertJobsParams parameters, CancellationToken cancellationToken = default) => _inner.InsertManyAsync(parameters, cancellationToken);
    public async Task<ClaimedJobs> ClaimAsync(ClaimJobsParams parameters, CancellationToken cancellationToken = default)
    {
        if (HoldClaims is { } hold)
        {
            ClaimWaiting.TrySetResult();
            await hold.Task;
        }
        return await _inner.ClaimAsync(parameters, cancellationToken);
    }

    /// <summary>While set, claims wait for it (a claim in flight that has not come back yet).</summary>
    public TaskCompletionSource? HoldClaims { get; set; }

    /// <summary>Completes when a claim waits for <see cref="HoldClaims"/>.</summary>
    public TaskCompletionSource ClaimWaiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>While true, every completion fails after its delay (the database went away).</summary>
    public bool CompletionsFail { get; set; }

    public async Task<IReadOnlyList<long>> CompleteManyAsync(CompleteJobsParams parameters, CancellationToken cancellationToken = default)
    {
        await Task.Delay(delay, CancellationToken.None);
        if (CompletionsFail) throw new InvalidOperationException("the store is down");
        return await _inner.CompleteManyAsync(parameters, cancellationToken);
    }

    public Task<IReadOnlyList<long>> ExtendLeasesAsync(ExtendLeasesParams parameters, CancellationToken cancellationToken = default) => _inner.ExtendLeasesAsync(parameters, cancellationToken);
    public Task ReportProgressAsync(ReportProgressParams parameters, CancellationToken cancellationToken = default) => _inner.ReportProgressAsync(parameters, cancellationToken);
    public Task<int> PromoteDueJobsAsync(PromoteDueJobsParams parameters, CancellationToken cancellationToken = default) => _inner.PromoteDueJobsAsync(parameters, cancellationToken);
    public Task<IReadOnlyList<RescuedJob>> RescueExpiredLeasesAsync(RescueExpiredLeasesParams parameters, CancellationToken cancellationToken = default) => _inner.RescueExpiredLeasesAsync(parameters, cancellationToken);
    public Task<int> PruneJobsAsync(PruneJobsParams parameters, CancellationToken cancellationToken = default) => _inner.PruneJobsAsync(parameters, cancellationToken);
    public Task<JobInfo?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken = default) => _inner.GetJobAsync(parameters, cancellationToken);
    public Task<JobPage> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken = default) => _inner.ListJobsAsync(parameters, cancellationToken);
    public Task<JobChangeResult> CancelJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default) => _inner.CancelJobAsync(parameters, cancellationToken);
    public Task<JobChangeResult> RetryJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default) => _inner.RetryJobAsync(parameters, cancellationToken);
    public Task<JobChangeResult> DeleteJobAsync(JobIdParams parameters, CancellationToken cancellationToken = default) => _inner.DeleteJobAsync(parameters, cancellationToken);
    public Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken = default) => _inner.ListQueuesAsync(parameters, cancellationToken);
    public Task SetQueuePausedAsync(SetQueuePausedParams parameters, CancellationToken cancellationToken = default) => _inner.SetQueuePausedAsync(parameters, cancellationToken);

    public Task SetQueueLimitsAsync(SetQueueLimitsParams parameters, CancellationToken cancellationToken = default) => _inner.SetQueueLimitsAsync(parameters, cancellationToken);

    public Task<QueueSettings?> GetQueueSettingsAsync(GetQueueSettingsParams parameters, CancellationToken cancellationToken = default) => _inner.GetQueueSettingsAsync(parameters, cancellationToken);
    public Task UpsertNodeAsync(UpsertNodeParams parameters, CancellationToken cancellationToken = default) => _inner.UpsertNodeAsync(parameters, cancellationToken);
    public Task RemoveNodeAsync(RemoveNodeParams parameters, CancellationToken cancellationToken = default) => _inner.RemoveNodeAsync(parameters, cancellationToken);
    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(ListNodesParams parameters, CancellationToken cancellationToken = default) => _inner.ListNodesAsync(parameters, cancellationToken);
    public Task<int> PruneNodesAsync(PruneNodesParams parameters, CancellationToken cancellationToken = default) => _inner.PruneNodesAsync(parameters, cancellationToken);
    public Task<bool> RequestNodeStopAsync(RequestNodeStopParams parameters, CancellationToken cancellationToken = default) => _inner.RequestNodeStopAsync(parameters, cancellationToken);
    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
