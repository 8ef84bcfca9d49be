namespace Conveyor.Validation;

/// <summary>A job or option was rejected before anything was stored. <see cref="Field"/> names the culprit.</summary>
public sealed class JobValidationException(string field, string message) : ArgumentException(message, field)
{
    /// <summary>The field at fault, in the contract's spelling (<c>kind</c>, <c>queue</c>, <c>args</c>, <c>maxAttempts</c>, …).</summary>
    public string Field { get; } = field;

    /// <summary>The message alone, without the parameter suffix <see cref="ArgumentException"/> appends.</summary>
    public string Reason { get; } = message;
}
