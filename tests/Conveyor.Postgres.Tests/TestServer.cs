namespace Conveyor.Postgres.Tests;

/// <summary>The PostgreSQL server the tests use (<c>scripts/with-postgres.sh</c> provides it); a missing variable fails the test.</summary>
internal static class TestServer
{
    public static string ConnectionString => Required("CONVEYOR_TEST_POSTGRES");

    public static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/with-postgres.sh");
}
