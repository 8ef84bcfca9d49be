namespace Conveyor;

/// <summary>The job's args JSON does not fit the handler's argument type; the job fails permanently.</summary>
public sealed class JobArgumentsException(string kind, Type argsType, string reason, Exception? inner = null)
    : PermanentJobFailureException($"args of kind '{kind}' cannot be read as {argsType.Name}: {reason}", inner ?? new FormatException(reason));
