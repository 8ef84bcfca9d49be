namespace Conveyor.Cli.Running;

/// <summary>A well-formed command that could not be carried out (job not found, state does not allow it): exit code 1.</summary>
internal sealed class OperationFailedException(string message) : Exception(message);
