using Conveyor.Storage;

namespace Conveyor;

/// <summary>
/// Options shared by the client and the nodes of one Conveyor setup. Built by
/// <c>AddConveyor(o => …)</c>; validated when the first component starts.
/// </summary>
public sealed class ConveyorOptions
{
    /// <summary>Default of <see cref="MaxPayloadBytes"/>: 1 MiB.</summary>
    public const int DefaultMaxPayloadBytes = 1024 * 1024;

    /// <summary>Default of <see cref="DefaultMaxAttempts"/>.</summary>
    public const int DefaultMaxAttemptsValue = 10;

    /// <summary>The largest attempts limit a job may ask for.</summary>
    public const int MaxAttemptsLimit = 1000;

    /// <summary>Priorities range from −<see cref="MaxPriority"/> to +<see cref="MaxPriority"/>.</summary>
    public const int MaxPriority = 1000;

    /// <summary>Creates the store; set by <c>UseInMemory()</c>, <c>UseSqlite(path)</c>, <c>UsePostgres(…)</c>.</summary>
    public Func<IServiceProvider, IJobStore>? StoreFactory { get; set; }

    /// <summary>The largest args document accepted, in UTF-8 bytes. Default 1 MiB.</summary>
    public int MaxPayloadBytes { get; set; } = DefaultMaxPayloadBytes;

    /// <summary>Attempts of a job that does not say. Default 10.</summary>
    public int DefaultMaxAttempts { get; set; } = DefaultMaxAttemptsValue;

    /// <summary>Plugs a store in (store packages add <c>UseSqlite</c> and friends on top of this).</summary>
    public ConveyorOptions UseStore(Func<IServiceProvider, IJobStore> factory)
    {
        StoreFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>
    /// Keeps jobs in this process's memory (<see cref="Storage.Memory.MemoryJobStore"/>): for tests and
    /// single-process use. Nothing survives a restart and other processes cannot share it; every call of
    /// the factory makes a new, empty store.
    /// </summary>
    public ConveyorOptions UseInMemory() => UseStore(_ => new Storage.Memory.MemoryJobStore());

    /// <summary>Plugs in a store instance the caller owns.</summary>
    public ConveyorOptions UseStore(IJobStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        StoreFactory = _ => store;
        return this;
    }

    internal void Validate()
    {
        if (StoreFactory is null)
            throw new InvalidOperationException("Conveyor has no store: call UseInMemory(), UseSqlite(path) or UsePostgres(connectionString) in AddConveyor(o => …)");
        if (MaxPayloadBytes < 2)
            throw new InvalidOperationException($"MaxPayloadBytes must be at least 2 (got {MaxPayloadBytes})");
        if (DefaultMaxAttempts is < 1 or > MaxAttemptsLimit)
            throw new InvalidOperationException($"DefaultMaxAttempts must be 1–{MaxAttemptsLimit} (got {DefaultMaxAttempts})");
    }
}
