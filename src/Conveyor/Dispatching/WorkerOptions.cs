namespace Conveyor;

/// <summary>
/// How a node runs jobs: its queues and their concurrency, its leases and timings; immutable, built and checked by
/// <see cref="WorkerOptionsBuilder.Build"/>. Defaults and bounds are the named constants below.
/// </summary>
public sealed class WorkerOptions
{
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultCancelGrace = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultJobTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan DefaultMaintenanceInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultLeaderLeaseDuration = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultAffinityGrace = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultPrefetchHorizon = TimeSpan.FromMilliseconds(10);
    public const int DefaultConcurrency = 10;

    /// <summary>Default of <see cref="MaxLostLeases"/>.</summary>
    public const int DefaultMaxLostLeases = 3;

    /// <summary>The largest <see cref="MaxLostLeases"/>.</summary>
    public const int MaxLostLeasesLimit = 1000;

    /// <summary>The longest <see cref="PrefetchHorizon"/>: 1 s. A longer one would hold jobs other nodes could start.</summary>
    public static readonly TimeSpan MaxPrefetchHorizon = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest <see cref="HeartbeatInterval"/>, <see cref="PollInterval"/> and <see cref="MaintenanceInterval"/>:
    /// 1 day. The waits they drive hold at most ~24.8 days, and a node that looks at its work less than daily is broken.
    /// </summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>
    /// The longest <see cref="LeaseDuration"/>, <see cref="LeaderLeaseDuration"/>, <see cref="AffinityGrace"/>,
    /// <see cref="ShutdownTimeout"/>, <see cref="CancelGrace"/> and <see cref="DefaultTimeout"/>: 7 days, as a job's own
    /// timeout. Far beyond any real setting, and well within what timers (~49.7 days, also for the host's shutdown
    /// timeout, which adds ShutdownTimeout and CancelGrace) and times (now + a lease) can hold.
    /// </summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    internal WorkerOptions(WorkerOptionsBuilder builder)
    {
        Name = builder.Name;
        LeaseDuration = builder.LeaseDuration;
        HeartbeatInterval = builder.HeartbeatInterval;
        PollInterval = builder.PollInterval;
        ShutdownTimeout = builder.ShutdownTimeout;
        CancelGrace = builder.CancelGrace;
        DefaultTimeout = builder.DefaultTimeout;
        MaintenanceInterval = builder.MaintenanceInterval;
        LeaderLeaseDuration = builder.LeaderLeaseDuration;
        AffinityGrace = builder.AffinityGrace;
        Retention = builder.Retention;
        Retry = builder.Retry;
        CompletionBatchSize = builder.CompletionBatchSize;
        MaxClaimBatch = builder.MaxClaimBatch;
        ClaimWithEnqueues = builder.ClaimWithEnqueues;
        PrefetchHorizon = builder.PrefetchHorizon;
        MaxLostLeases = builder.MaxLostLeases;
        var specs = builder.QueueSpecs.Count > 0
            ? builder.QueueSpecs
            : new Dictionary<string, (int? Cap, int? Weight)> { [Validation.Names.DefaultQueue] = (null, null) };
        var queues = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (queue, spec) in specs) queues[queue] = spec.Cap ?? builder.Concurrency ?? DefaultConcurrency;
        Queues = queues;
        Concurrency = builder.Concurrency ?? queues.Values.Sum();
        QueueWeights = specs.ToDictionary(q => q.Key, q => q.Value.Weight ?? queues[q.Key], StringComparer.Ordinal);
    }

    /// <summary>
    /// The node's name in the registry; default <c>host:pid:xxxx</c> (unique per node). Starting fails while a live node
    /// (one whose heartbeat plus lease has not passed) has this name, unless it is a process of this machine that has
    /// ended (a restart after a crash).
    /// </summary>
    public string? Name { get; }

    /// <summary>
    /// Queues served and each one's cap: the most of its jobs this node runs at once. Default: <c>default</c> with 10.
    /// </summary>
    public IReadOnlyDictionary<string, int> Queues { get; }

    /// <summary>
    /// The node's one pool of worker slots, shared by its queues: given, or the sum of the queues' caps (then each
    /// queue always has its cap to itself, as if it had slots of its own). When several queues have work waiting, the
    /// pool is shared among them in proportion to their <see cref="QueueWeights"/> (weighted max-min fairness): a
    /// queue gets its share whenever it has work, and the shares of idle queues go to the busy ones, each up to its
    /// cap. A flood in one queue never starves another; within a queue, higher priority still runs first.
    /// </summary>
    public int Concurrency { get; }

    /// <summary>Each queue's weight in the sharing of the pool; default its cap.</summary>
    public IReadOnlyDictionary<string, int> QueueWeights { get; }

    /// <summary>
    /// How long a job with an affinity key waits for the node that owns its key: after this long available, any node
    /// serving its queue may run it (the owner is busy, stopping or gone). Affinity is a preference, never a reason to
    /// wait longer. <see cref="TimeSpan.Zero"/> turns the preference off on this node. Default 2 s.
    /// </summary>
    public TimeSpan AffinityGrace { get; }

    /// <summary>How long a claimed job stays leased without a heartbeat. Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; }

    /// <summary>How often the node extends its leases and refreshes its registry row. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; }

    /// <summary>The longest a free slot waits before asking the store again, when no notification came. Default 1 s.</summary>
    public TimeSpan PollInterval { get; }

    /// <summary>On stop, how long running jobs may finish before their tokens are cancelled. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; }

    /// <summary>After a token is cancelled (stop or timeout), how long the handler gets to return before it is abandoned. Default 5 s.</summary>
    public TimeSpan CancelGrace { get; }

    /// <summary>The time limit of a job that sets none. Default 30 min.</summary>
    public TimeSpan DefaultTimeout { get; }

    /// <summary>How often the leader runs its chores (promote, rescue) and every node tries to lead. Default 1 s.</summary>
    public TimeSpan MaintenanceInterval { get; }

    /// <summary>How long a leader's lease lasts; a new leader takes over within this after the old one dies. Default 10 s.</summary>
    public TimeSpan LeaderLeaseDuration { get; }

    /// <summary>
    /// When this node leads, a job whose lease ran out this many times is <c>dead</c> at that rescue, whatever attempts
    /// it has left: a job that kills or hangs its node (a poison job) takes down at most this many nodes. Only lost
    /// leases count (errors of type <see cref="JobError.LeaseExpiredType"/>), not failures the handler reported.
    /// 1–<see cref="MaxLostLeasesLimit"/>; default 3.
    /// </summary>
    public int MaxLostLeases { get; }

    /// <summary>How long finished jobs are kept.</summary>
    public RetentionOptions Retention { get; }

    /// <summary>Backoff between attempts.</summary>
    public RetryPolicy Retry { get; }

    /// <summary>At most this many completions go to the store in one call. Default 1000.</summary>
    public int CompletionBatchSize { get; }

    /// <summary>At most this many jobs are asked for in one claim. Default 1000.</summary>
    public int MaxClaimBatch { get; }

    /// <summary>
    /// Besides its free slots, a node claims the jobs of a queue it expects to start within this horizon, judged
    /// from how fast it finishes that queue's jobs right now; none while a job takes longer than the horizon, so long
    /// jobs spread evenly over the nodes. A prefetched job is leased like a running one, is not a busy slot, and goes
    /// back uncharged when the node stops. <see cref="TimeSpan.Zero"/>: claim only for free slots. Default 10 ms.
    /// </summary>
    public TimeSpan PrefetchHorizon { get; }

    /// <summary>
    /// While this node waits idle for jobs of a queue, an enqueue made in the same process (through this
    /// service provider's store) claims for it in the enqueue's own transaction, so the job starts one round trip
    /// sooner; the enqueue call waits for that claim (a fraction of a millisecond). Only stores that offer it
    /// (PostgreSQL). Default true.
    /// </summary>
    public bool ClaimWithEnqueues { get; }
}
