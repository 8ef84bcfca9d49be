namespace Conveyor;

/// <summary>
/// Sets up how a node runs jobs (what <c>AddWorker(w => …)</c> hands out); <see cref="Build"/> checks the settings
/// together and freezes them into <see cref="WorkerOptions"/>. Defaults and bounds are the constants of
/// <see cref="WorkerOptions"/>.
/// </summary>
public sealed class WorkerOptionsBuilder
{
    private readonly Dictionary<string, (int? Cap, int? Weight)> _queues = new(StringComparer.Ordinal);

    /// <summary>
    /// The node's name in the registry; default <c>host:pid:xxxx</c> (unique per node). Starting fails while a live node
    /// (one whose heartbeat plus lease has not passed) has this name, unless it is a process of this machine that has
    /// ended (a restart after a crash).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// The size of the node's one pool of worker slots, shared by its queues (see <see cref="WorkerOptions.Concurrency"/>).
    /// Null (default): the sum of the queues' slots.
    /// </summary>
    public int? Concurrency { get; set; }

    /// <summary>Queues served and the most slots of each (as given; a queue given without a number shows the pool size, or 10 without one).</summary>
    public IReadOnlyDictionary<string, int> Queues => _queues.ToDictionary(q => q.Key, q => q.Value.Cap ?? Concurrency ?? WorkerOptions.DefaultConcurrency, StringComparer.Ordinal);

    /// <summary>See <see cref="WorkerOptions.AffinityGrace"/>. Default 2 s.</summary>
    public TimeSpan AffinityGrace { get; set; } = WorkerOptions.DefaultAffinityGrace;

    /// <summary>How long a claimed job stays leased without a heartbeat. Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = WorkerOptions.DefaultLeaseDuration;

    /// <summary>How often the node extends its leases and refreshes its registry row. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = WorkerOptions.DefaultHeartbeatInterval;

    /// <summary>The longest a free slot waits before asking the store again, when no notification came. Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = WorkerOptions.DefaultPollInterval;

    /// <summary>On stop, how long running jobs may finish before their tokens are cancelled. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = WorkerOptions.DefaultShutdownTimeout;

    /// <summary>After a token is cancelled (stop or timeout), how long the handler gets to return before it is abandoned. Default 5 s.</summary>
    public TimeSpan CancelGrace { get; set; } = WorkerOptions.DefaultCancelGrace;

    /// <summary>The time limit of a job that sets none. Default 30 min.</summary>
    public TimeSpan DefaultTimeout { get; set; } = WorkerOptions.DefaultJobTimeout;

    /// <summary>How often the leader runs its chores (promote, rescue) and every node tries to lead. Default 1 s.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = WorkerOptions.DefaultMaintenanceInterval;

    /// <summary>How long a leader's lease lasts; a new leader takes over within this after the old one dies. Default 10 s.</summary>
    public TimeSpan LeaderLeaseDuration { get; set; } = WorkerOptions.DefaultLeaderLeaseDuration;

    /// <summary>See <see cref="WorkerOptions.MaxLostLeases"/>: 1–1000. Default 3.</summary>
    public int MaxLostLeases { get; set; } = WorkerOptions.DefaultMaxLostLeases;

    /// <summary>How long finished jobs are kept.</summary>
    public RetentionOptions Retention { get; set; } = new();

    /// <summary>Backoff between attempts.</summary>
    public RetryPolicy Retry { get; set; } = new();

    /// <summary>At most this many completions go to the store in one call. Default 1000.</summary>
    public int CompletionBatchSize { get; set; } = 1000;

    /// <summary>At most this many jobs are asked for in one claim. Default 1000.</summary>
    public int MaxClaimBatch { get; set; } = 1000;

    /// <summary>See <see cref="WorkerOptions.PrefetchHorizon"/>: 0 to 1 s, <see cref="TimeSpan.Zero"/> for none. Default 10 ms.</summary>
    public TimeSpan PrefetchHorizon { get; set; } = WorkerOptions.DefaultPrefetchHorizon;

    /// <summary>
    /// While this node waits idle for jobs of a queue, an enqueue made in the same process (through this
    /// service provider's store) claims for it in the enqueue's own transaction, so the job starts one round trip
    /// sooner; the enqueue call waits for that claim (a fraction of a millisecond). Only stores that offer it
    /// (PostgreSQL). Default true.
    /// </summary>
    public bool ClaimWithEnqueues { get; set; } = true;

    /// <summary>
    /// Serve <paramref name="name"/>, running at most <paramref name="concurrency"/> of its jobs at once on this node
    /// (null: up to the whole pool, <see cref="Concurrency"/>; 10 when no pool size is set). Under load the pool's slots
    /// are shared among the queues with work in proportion to their <paramref name="weight"/> (null: the queue's
    /// <paramref name="concurrency"/>). See <see cref="WorkerOptions.Concurrency"/>.
    /// </summary>
    public WorkerOptionsBuilder Queue(string name, int? concurrency = null, int? weight = null)
    {
        Validation.Names.EnsureQueue(name);
        if (concurrency < 1) throw new ArgumentOutOfRangeException(nameof(concurrency), concurrency, $"queue '{name}' needs at least 1 slot");
        if (weight < 1) throw new ArgumentOutOfRangeException(nameof(weight), weight, $"queue '{name}' needs a weight of at least 1");
        _queues[name] = (concurrency, weight);
        return this;
    }

    /// <summary>The queues as given: each one's cap and weight, null where not given.</summary>
    internal IReadOnlyDictionary<string, (int? Cap, int? Weight)> QueueSpecs => _queues;

    /// <summary>Checks the settings together and returns them as immutable <see cref="WorkerOptions"/>.</summary>
    /// <exception cref="InvalidOperationException">A setting is out of range, or two do not fit together; the message names them.</exception>
    public WorkerOptions Build()
    {
        Validate();
        return new WorkerOptions(this);
    }

    private void Validate()
    {
        static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero) throw new InvalidOperationException($"{name} must be positive (got {value})");
        }
        Positive(LeaseDuration, nameof(LeaseDuration));
        Positive(HeartbeatInterval, nameof(HeartbeatInterval));
        Positive(PollInterval, nameof(PollInterval));
        Positive(CancelGrace, nameof(CancelGrace));
        Positive(DefaultTimeout, nameof(DefaultTimeout));
        Positive(MaintenanceInterval, nameof(MaintenanceInterval));
        Positive(LeaderLeaseDuration, nameof(LeaderLeaseDuration));
        if (AffinityGrace < TimeSpan.Zero) throw new InvalidOperationException($"AffinityGrace must not be negative (got {AffinityGrace})");
        if (ShutdownTimeout < TimeSpan.Zero) throw new InvalidOperationException($"ShutdownTimeout must not be negative (got {ShutdownTimeout})");
        static void AtMost(TimeSpan value, TimeSpan max, string name)
        {
            if (value > max) throw new InvalidOperationException($"{name} must be at most {max.TotalDays:0} day{(max.TotalDays == 1 ? "" : "s")} (got {value})");
        }
        AtMost(HeartbeatInterval, WorkerOptions.MaxInterval, nameof(HeartbeatInterval));
        AtMost(PollInterval, WorkerOptions.MaxInterval, nameof(PollInterval));
        AtMost(MaintenanceInterval, WorkerOptions.MaxInterval, nameof(MaintenanceInterval));
        AtMost(LeaseDuration, WorkerOptions.MaxDuration, nameof(LeaseDuration));
        AtMost(LeaderLeaseDuration, WorkerOptions.MaxDuration, nameof(LeaderLeaseDuration));
        AtMost(AffinityGrace, WorkerOptions.MaxDuration, nameof(AffinityGrace));
        if (Concurrency < 1) throw new InvalidOperationException($"Concurrency (the pool of worker slots) must be at least 1 (got {Concurrency})");
        foreach (var (queue, spec) in _queues)
        {
            if (spec.Cap > Concurrency)
                throw new InvalidOperationException($"queue '{queue}' allows {spec.Cap} slots but the node's pool has only {Concurrency} (Concurrency)");
        }
        AtMost(ShutdownTimeout, WorkerOptions.MaxDuration, nameof(ShutdownTimeout));
        AtMost(CancelGrace, WorkerOptions.MaxDuration, nameof(CancelGrace));
        AtMost(DefaultTimeout, WorkerOptions.MaxDuration, nameof(DefaultTimeout));
        if (HeartbeatInterval >= LeaseDuration)
            throw new InvalidOperationException($"HeartbeatInterval ({HeartbeatInterval}) must be shorter than LeaseDuration ({LeaseDuration}), or leases run out between heartbeats");
        if (MaintenanceInterval >= LeaderLeaseDuration)
            throw new InvalidOperationException($"MaintenanceInterval ({MaintenanceInterval}) must be shorter than LeaderLeaseDuration ({LeaderLeaseDuration})");
        if (PrefetchHorizon < TimeSpan.Zero || PrefetchHorizon > WorkerOptions.MaxPrefetchHorizon)
            throw new InvalidOperationException($"PrefetchHorizon must be between 0 and {WorkerOptions.MaxPrefetchHorizon.TotalSeconds:0} s (got {PrefetchHorizon})");
        if (MaxLostLeases is < 1 or > WorkerOptions.MaxLostLeasesLimit)
            throw new InvalidOperationException($"MaxLostLeases must be 1–{WorkerOptions.MaxLostLeasesLimit} (got {MaxLostLeases}): the lost leases after which a job is dead");
        if (CompletionBatchSize < 1 || MaxClaimBatch < 1) throw new InvalidOperationException("CompletionBatchSize and MaxClaimBatch must be at least 1");
        if (Name is not null && Name.Length is 0 or > 200) throw new InvalidOperationException("Name must be 1–200 characters");
        ArgumentNullException.ThrowIfNull(Retention);
        ArgumentNullException.ThrowIfNull(Retry);
        Retention.Validate();
        Retry.Validate();
    }
}
