namespace Conveyor.Cli.Running;

/// <summary>The command line itself is wrong (a bad option value, name, duration or JSON): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
