namespace Conveyor;

/// <summary>Progress a running handler reported.</summary>
/// <param name="Percent">0–100, or null when the handler only reported a message.</param>
/// <param name="Message">A short human-readable note, such as <c>page 4 of 10</c>.</param>
public sealed record JobProgress(int? Percent, string? Message);
