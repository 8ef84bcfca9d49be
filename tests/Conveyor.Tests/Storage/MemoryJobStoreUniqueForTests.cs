using Conveyor.Storage;
using Conveyor.Storage.Memory;

namespace Conveyor.Tests.Storage;

/// <summary>
/// The client bounds uniqueFor (100 years), but the store may be called directly with any period:
/// finished_at + unique_for must not overflow a DateTimeOffset.
/// </summary>
public sealed class MemoryJobStoreUniqueForTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Kinds = ["k"];

    private readonly MemoryJobStore _store = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private static NewJob Job(TimeSpan uniqueFor) => new()
    {
        Kind = "k", Queue = "q", ArgsJson = "{}", MaxAttempts = 3, State = JobState.Available, RunAt = T0, UniqueKey = "u", UniqueFor = uniqueFor,
    };

    [Fact]
    public async Task AUniqueForBeyondDateTimeOffsetMaxValue_HoldsTheKeyWithoutOverflowing()
    {
        var id = (await _store.InsertManyAsync(new InsertJobsParams([Job(TimeSpan.MaxValue)], T0)))[0].Id;
        var claimed = (await _store.ClaimAsync(new ClaimJobsParams("n", "q", Kinds, 1, T0, T0.AddSeconds(30)))).Single();
        await _store.CompleteManyAsync(new CompleteJobsParams("n", [new JobCompletion(claimed.Id, claimed.Attempt, JobOutcome.Succeeded)], T0.AddSeconds(1)));

        var again = await _store.InsertManyAsync(new InsertJobsParams([Job(TimeSpan.FromHours(1))], T0.AddDays(365)));
        again.ShouldBe([new InsertedJob(id, Existing: true)]);

        var cutOff = T0.AddDays(365);
        (await _store.PruneJobsAsync(new PruneJobsParams(cutOff, cutOff, cutOff))).ShouldBe(0);
        (await _store.GetJobAsync(new GetJobParams(id))).ShouldNotBeNull();
    }
}
