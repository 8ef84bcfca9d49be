using Conveyor.Storage;

namespace Conveyor.Benchmarks;

/// <summary>Builds the same batch of jobs for every store benchmark.</summary>
internal static class StoreFixture
{
    public static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static NewJob Job(string kind = "bench.noop") => new()
    {
        Kind = kind,
        Queue = "default",
        ArgsJson = """{"to":"a@example.com","n":1}""",
        MaxAttempts = 10,
        State = JobState.Available,
        RunAt = Now,
    };

    public static NewJob[] Jobs(int count)
    {
        var jobs = new NewJob[count];
        for (var i = 0; i < count; i++) jobs[i] = Job();
        return jobs;
    }
}
