namespace Conveyor.Handlers.Exec;

/// <summary>An exec handler's program failed: a non-zero exit code (the message holds the tail of its stderr), too much output, or no start.</summary>
internal sealed class ExecFailedException(string message) : Exception(message);
