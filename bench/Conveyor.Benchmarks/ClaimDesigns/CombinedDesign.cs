namespace Conveyor.Benchmarks.ClaimDesigns;

/// <summary>
/// The store's statements, with the completions of the last claim's jobs sent in the next claim's round trip (one
/// session, one transaction per cycle) instead of by a completer of their own.
/// </summary>
internal sealed class CombinedDesign : CurrentDesign
{
    public override string Name => "combined";

    public override string Question => "one round trip per cycle: the finished jobs' completion rides in the next claim";

    public override bool CompletesWithClaim => true;
}
