namespace Conveyor.Fuzz;

/// <summary>An input a target accepted or refused the wrong way (the fuzzer reports it as a crash).</summary>
internal sealed class FuzzFindingException(string message) : Exception(message);
