namespace Conveyor.Storage;

/// <summary>
/// A notifier that needs a connection of its own (PostgreSQL's LISTEN) says when it has lost it. Jobs still start
/// meanwhile, found by the nodes' poll, only later: health endpoints report it as a degradation.
/// </summary>
public interface IJobNotifierHealth
{
    /// <summary>Null while notifications flow (or this process needs none); otherwise what is wrong, in one sentence.</summary>
    string? Degradation { get; }
}
