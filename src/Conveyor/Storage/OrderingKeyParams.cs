namespace Conveyor.Storage;

/// <summary>The jobs of one ordering key that are not final.</summary>
/// <param name="OrderingKey">The key.</param>
/// <param name="Limit">At most this many (at least 1).</param>
public sealed record ListOrderingKeyParams(string OrderingKey, int Limit = 200);
