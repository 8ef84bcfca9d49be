namespace Conveyor;

/// <summary>Thrown by a handler to fail a job for good: it goes straight to <c>dead</c>, skipping the remaining attempts.</summary>
public class PermanentJobFailureException : Exception
{
    public PermanentJobFailureException(string message) : base(message) { }

    public PermanentJobFailureException(string message, Exception innerException) : base(message, innerException) { }
}
