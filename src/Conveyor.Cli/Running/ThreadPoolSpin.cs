using Conveyor.Cli.Stores;

namespace Conveyor.Cli.Running;

/// <summary>
/// Turns off the thread pool's spin-wait when the store is a PostgreSQL server on this machine.
/// </summary>
/// <remarks>
/// An idle thread-pool thread spins (<c>sched_yield</c>) before it sleeps, and a node hands work between threads
/// several times per job: with PostgreSQL on the same cores that spinning takes CPU from the server processes serving
/// the node (turned off, <c>process</c> gained about 8 % and latency p50 about 9 %). With SQLite the hand-offs are the
/// whole cycle and the spin helps, and a remote server does not share the node's cores: the runtime's default stays.
/// A setting the user made (environment variable or runtime configuration) wins. The runtime reads it once, so
/// <see cref="Configure"/> runs right after parsing, before the process queues its first work item.
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
