namespace Conveyor;

/// <summary>One child of a batch as its callback reads it.</summary>
/// <param name="Id">The child job.</param>
/// <param name="State">Its state (final for every child once the callback runs).</param>
/// <param name="ResultJson">Its result as JSON text, when it succeeded with one.</param>
public sealed record BatchChild(long Id, JobState State, string? ResultJson);
