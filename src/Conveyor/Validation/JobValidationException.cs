namespace Conveyor.Validation;

/// <summary>A job or option was rejected before anything was stored. <see cref="Field"/> names the culprit.</summary>
public sealed class JobValidationException : ArgumentException
{
    /// <summary>Rejects <paramref name="field"/> for the reason <paramref name="message"/>.</summary>
    public JobValidationException(string field, string message)
        : base(message, field)
    {
        Field = field;
        Reason = message;
    }

    /// <summary>
    /// Rejects <paramref name="field"/> for breaking <paramref name="rule"/> (worded so that any name of the field can
    /// precede it: "must be between 1 and 1000"), with the offending value as <paramref name="got"/>.
    /// </summary>
    internal JobValidationException(string field, string rule, string? got, string? message = null)
        : this(field, message ?? (got is null ? $"{field} {rule}" : $"{field} {rule} (got {got})"))
    {
        Rule = rule;
        Got = got;
    }

    /// <summary>The field at fault, in the contract's spelling (<c>kind</c>, <c>queue</c>, <c>args</c>, <c>maxAttempts</c>, …).</summary>
    public string Field { get; }

    /// <summary>The message alone, without the parameter suffix <see cref="ArgumentException"/> appends.</summary>
    public string Reason { get; }

    /// <summary>
    /// The rule the value broke, without the field's name, so that a front end can name the field its own way
    /// (the CLI says <c>--max-attempts</c>); null when the reason is not one field's rule.
    /// </summary>
    internal string? Rule { get; }

    /// <summary>The offending value as the core formats it (null when the rule does not show it).</summary>
    internal string? Got { get; }
}
