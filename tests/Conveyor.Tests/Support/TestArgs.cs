namespace Conveyor.Tests.Support;

public sealed record Greet(string Name) : IJobArgs
{
    public static string Kind => "test.greet";
}

public sealed record Add(int A, int B) : IJobArgs
{
    public static string Kind => "test.add";
}
