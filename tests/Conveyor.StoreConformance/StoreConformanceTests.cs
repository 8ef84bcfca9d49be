using Conveyor.Storage;

namespace Conveyor.StoreConformance;

/// <summary>
/// The rules every <see cref="IJobStore"/> must follow, one test per rule. Each store subclasses this
/// class once (sealed) and supplies a fresh, empty, migrated store per test. A store may skip a test
/// only with a written reason. The tests live in one partial file per role and area: <c>Execution.*</c>
/// (<see cref="IJobExecutionStore"/>), <c>Admin.*</c> (<see cref="IJobAdminStore"/>), <c>QueueSettings</c>,
/// <c>Nodes</c> (<see cref="INodeStore"/>) and <c>Optional.*</c> (the optional roles, skipped with the reason when a
/// store lacks one).
/// </summary>
public abstract partial class StoreConformanceTests : IAsyncLifetime
{
    /// <summary>The node most tests claim for.</summary>
    protected const string Node1 = "node-1";

    /// <summary>A second node.</summary>
    protected const string Node2 = "node-2";

    /// <summary>The lease a claim gets unless a test says otherwise.</summary>
    protected static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(30);

    private readonly List<IJobStore> _otherInstances = [];
    private IJobStore? _store;

    /// <summary>The store under test; created in <see cref="InitializeAsync"/>.</summary>
    protected IJobStore Store => _store ?? throw new InvalidOperationException("the store is created in InitializeAsync");

    /// <summary>A fresh, empty, migrated store (called once per test).</summary>
    protected abstract Task<IJobStore> CreateStoreAsync();

    /// <summary>
    /// Another instance over the same data as <see cref="Store"/> (SQLite: another instance on the same
    /// file; PostgreSQL: another instance on the same schema), used to mimic several processes. The
    /// default returns <see cref="Store"/> itself (the memory store lives in one process).
    /// </summary>
    protected virtual Task<IJobStore> OpenSecondInstanceAsync() => Task.FromResult(Store);

    /// <inheritdoc />
    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var other in _otherInstances)
            await other.DisposeAsync();
        if (_store is not null)
            await _store.DisposeAsync();
    }

    /// <summary>Opens another instance through <see cref="OpenSecondInstanceAsync"/> and disposes it with the test.</summary>
    protected async Task<IJobStore> OpenInstanceAsync()
    {
        var instance = await OpenSecondInstanceAsync();
        if (!ReferenceEquals(instance, _store) && !_otherInstances.Contains(instance))
            _otherInstances.Add(instance);
        return instance;
    }

    /// <summary>
    /// The optional role <paramref name="role"/>, or the test is reported as skipped, naming the store and
    /// <paramref name="lacking"/> (never green without having checked anything).
    /// </summary>
    protected T Require<T>(T? role, string lacking)
        where T : class
    {
        Skip.If(role is null, $"the {Store.Name} store {lacking}");
        return role!;
    }

    /// <summary>The store's claims carried by enqueues, or a skip.</summary>
    protected IEnqueueClaimer RequireEnqueueClaimer() =>
        Require(Store.EnqueueClaimer, "offers no claims carried by enqueues (IJobStore.EnqueueClaimer is null)");

    /// <summary>The store's notifier, or a skip.</summary>
    protected IJobNotifier RequireNotifier() =>
        Require(Store.Notifier, "offers no notifier (IJobStore.Notifier is null: nodes poll)");

    /// <summary>Inserts one job at <paramref name="now"/> (default T0) and returns its id.</summary>
    protected async Task<long> InsertAsync(NewJob job, DateTimeOffset? now = null)
    {
        var inserted = await Store.InsertManyAsync(new InsertJobsParams([job], now ?? TestTime.T0));
        inserted.Count.ShouldBe(1);
        return inserted[0].Id;
    }

    /// <summary>Inserts jobs in one call at T0 and returns their ids in input order.</summary>
    protected async Task<long[]> InsertManyAsync(params NewJob[] jobs)
    {
        var inserted = await Store.InsertManyAsync(new InsertJobsParams(jobs, TestTime.T0));
        inserted.Count.ShouldBe(jobs.Length);
        return [.. inserted.Select(i => i.Id)];
    }

    /// <summary>The job, which must exist.</summary>
    protected async Task<JobInfo> GetAsync(long id)
    {
        var job = await Store.GetJobAsync(new GetJobParams(id));
        job.ShouldNotBeNull($"job {id} should exist");
        return job;
    }

    /// <summary>Claims for <paramref name="node"/> at <paramref name="now"/> (default T0) with a lease of <paramref name="lease"/> (default 30 s).</summary>
    protected Task<ClaimedJobs> ClaimAsync(
        string node = Node1, int limit = 100, string queue = TestJobs.Queue, DateTimeOffset? now = null,
        IReadOnlyList<string>? kinds = null, TimeSpan? lease = null, IJobStore? store = null)
    {
        var at = now ?? TestTime.T0;
        return (store ?? Store).ClaimAsync(new ClaimJobsParams(node, queue, kinds ?? TestJobs.AllKinds, limit, at, at + (lease ?? DefaultLease)));
    }

    /// <summary>Claims exactly one job and checks it is <paramref name="expectedId"/>.</summary>
    protected async Task<ClaimedJob> ClaimOneAsync(long expectedId, string node = Node1, string queue = TestJobs.Queue, DateTimeOffset? now = null, TimeSpan? lease = null)
    {
        var claimed = await ClaimAsync(node, limit: 1, queue: queue, now: now, lease: lease);
        claimed.Select(c => c.Id).ShouldBe([expectedId]);
        return claimed[0];
    }

    /// <summary>Inserts a job at T0 and claims it for <paramref name="node"/> at <paramref name="now"/> (default T0).</summary>
    protected async Task<ClaimedJob> InsertAndClaimAsync(NewJob? job = null, string node = Node1, DateTimeOffset? now = null, TimeSpan? lease = null)
    {
        job ??= TestJobs.New();
        var id = await InsertAsync(job);
        return await ClaimOneAsync(id, node, job.Queue, now, lease);
    }

    /// <summary>Completes one attempt as <paramref name="node"/> at <paramref name="now"/> (default T0 + 1 s).</summary>
    protected Task CompleteAsync(
        ClaimedJob job, JobOutcome outcome, string node = Node1, DateTimeOffset? now = null,
        string? resultJson = null, JobError? error = null, DateTimeOffset? retryAt = null, int? attempt = null) =>
        Store.CompleteManyAsync(new CompleteJobsParams(node,
            [new JobCompletion(job.Id, attempt ?? job.Attempt, outcome, resultJson, error, retryAt)], now ?? TestTime.At(1)));

    /// <summary>Inserts, claims and finishes a job with <paramref name="outcome"/> (<c>Succeeded</c> or <c>Dead</c>) at <paramref name="finishedAt"/>.</summary>
    protected async Task<long> InsertFinishedAsync(JobOutcome outcome, DateTimeOffset? finishedAt = null, NewJob? job = null)
    {
        var claimed = await InsertAndClaimAsync(job);
        var at = finishedAt ?? TestTime.At(1);
        await CompleteAsync(claimed, outcome, now: at,
            resultJson: outcome == JobOutcome.Succeeded ? "{}" : null,
            error: outcome == JobOutcome.Dead ? TestJobs.Error(claimed.Attempt, at) : null);
        return claimed.Id;
    }

    /// <summary>The counts of one queue as listed.</summary>
    protected async Task<IReadOnlyDictionary<JobState, long>> CountsAsync(string queue = TestJobs.Queue)
    {
        var queues = await Store.ListQueuesAsync(new ListQueuesParams());
        var info = queues.SingleOrDefault(q => q.Name == queue);
        info.ShouldNotBeNull($"queue {queue} should be listed");
        return info.Counts;
    }
}
