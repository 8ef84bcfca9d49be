using Conveyor.Cli.Stores;

namespace Conveyor.Cli.Running;

/// <summary>
/// Turns off the thread pool's spin-wait when the store is a PostgreSQL server on this machine.
/// </summary>
/// <remarks>
/// A thread-pool thread that runs out of work spins (a loop of <c>sched_yield</c>) before it sleeps, so that
/// work arriving soon after is picked up without a wake-up. A node hands work between threads several times
/// per job, so its threads spin often: over a PostgreSQL <c>process</c> run they made ~13 <c>sched_yield</c>
/// calls per job, 46 % of the node's CPU samples. When PostgreSQL runs on the same cores, that CPU is
/// taken from the server processes executing the node's own claims, completions and COPYs. With the spin
/// off, alternated runs gave <c>process</c> ×1.08 and enqueue-to-start latency p50 ×0.91 (medians of 15 and
/// 11 pairs), enqueues unchanged (docs/benchmarks.md, seventh round). With SQLite the store runs inside the node and the hand-offs are
/// the whole cycle: the spin off cost 3–14 % there, so it is turned off only for a local PostgreSQL.
/// A remote server does not share the node's cores; the runtime's default stays.
/// </remarks>
/// <remarks>
/// A setting the user made wins: the environment variable, or the setting in the runtime configuration.
/// The runtime reads the setting once, when the thread pool creates its worker semaphore, so
/// <see cref="Configure"/> must run before the process queues its first work item (the CLI calls it right
/// after parsing, before anything is awaited).
/// </remarks>
internal static class ThreadPoolSpin
{
    /// <summary>The runtime's setting (runtimeconfig.json <c>configProperties</c>, or <see cref="AppContext"/> data).</summary>
    public const string SettingName = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    /// <summary>The environment variable the runtime reads for the same setting.</summary>
    public const string EnvironmentVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>
    /// Sets the spin limit to 0 when <paramref name="store"/> is a local PostgreSQL and neither the environment
    /// nor the runtime configuration set it. Returns whether it did.
    /// </summary>
    public static bool Configure(StoreUrl store)
    {
        if (!ShouldTurnOff(store, Environment.GetEnvironmentVariable(EnvironmentVariable), AppContext.GetData(SettingName)))
            return false;
        AppContext.SetData(SettingName, 0);
        return true;
    }

    /// <summary>
    /// Whether to turn the spin off for <paramref name="store"/>, given the environment variable's value and the
    /// runtime configuration's (null when unset): only for a local PostgreSQL that neither of them settles.
    /// </summary>
    public static bool ShouldTurnOff(StoreUrl store, string? environmentValue, object? configuredValue) =>
        environmentValue is null && configuredValue is null && LocalPostgres.Is(store);
}
