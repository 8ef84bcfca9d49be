namespace Conveyor;

/// <summary>One job to enqueue: its kind, its arguments as JSON text, and its options.</summary>
/// <param name="Kind">The handler's name.</param>
/// <param name="ArgsJson">A JSON object or array; <c>{}</c> when there are no arguments.</param>
/// <param name="Options">Options, or null for the defaults.</param>
public sealed record JobRequest(string Kind, string ArgsJson = "{}", JobOptions? Options = null);
