using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task ListJobs_FiltersByStateQueueAndKind()
    {
        var ids = await InsertManyAsync(
            TestJobs.New(queue: "q1", kind: "kind.a"),
            TestJobs.New(queue: "q1", kind: "kind.b"),
            TestJobs.New(queue: "q2", kind: "kind.a"),
            TestJobs.Scheduled(TestTime.At(60), queue: "q1") with { Kind = "kind.a" });

        async Task<long[]> List(ListJobsParams p) => [.. (await Store.ListJobsAsync(p)).Jobs.Select(j => j.Id)];

        (await List(new ListJobsParams(State: JobState.Available))).ShouldBe([ids[2], ids[1], ids[0]]);
        (await List(new ListJobsParams(State: JobState.Scheduled))).ShouldBe([ids[3]]);
        (await List(new ListJobsParams(Queue: "q2"))).ShouldBe([ids[2]]);
        (await List(new ListJobsParams(Kind: "kind.b"))).ShouldBe([ids[1]]);
        (await List(new ListJobsParams(State: JobState.Available, Queue: "q1", Kind: "kind.a"))).ShouldBe([ids[0]]);
        (await List(new ListJobsParams(State: JobState.Dead))).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListJobs_ReturnsNewestFirst()
    {
        var ids = await InsertManyAsync(TestJobs.New(), TestJobs.New(), TestJobs.New());

        var page = await Store.ListJobsAsync(new ListJobsParams());

        page.Jobs.Select(j => j.Id).ShouldBe([ids[2], ids[1], ids[0]]);
        page.NextCursor.ShouldBeNull();
    }

    [Fact]
    public async Task ListJobs_CursorPagesThroughEveryJobWithoutGapsOrRepeats()
    {
        var ids = await InsertManyAsync([.. Enumerable.Range(0, 25).Select(i => TestJobs.New(queue: i % 5 == 0 ? "other" : "default"))]);
        var expected = ids.Where((_, i) => i % 5 != 0).Reverse().ToArray();

        var seen = new List<long>();
        var pages = 0;
        long? cursor = null;
        do
        {
            var page = await Store.ListJobsAsync(new ListJobsParams(Queue: "default", Limit: 7, BeforeId: cursor));
            page.Jobs.Count.ShouldBeLessThanOrEqualTo(7);
            seen.AddRange(page.Jobs.Select(j => j.Id));
            cursor = page.NextCursor;
            pages++;
        } while (cursor is not null && pages < 10);

        seen.ShouldBe(expected);
        pages.ShouldBe(3);
    }

    [Fact]
    public async Task ListJobs_HasNoCursorOnAFullLastPage()
    {
        var ids = await InsertManyAsync([.. Enumerable.Range(0, 10).Select(_ => TestJobs.New())]);

        var first = await Store.ListJobsAsync(new ListJobsParams(Limit: 5));
        first.NextCursor.ShouldNotBeNull();
        var second = await Store.ListJobsAsync(new ListJobsParams(Limit: 5, BeforeId: first.NextCursor));

        second.Jobs.Select(j => j.Id).ShouldBe(ids.Take(5).Reverse());
        second.NextCursor.ShouldBeNull();
    }

    [Fact]
    public async Task ListQueues_CountsEveryState_ZerosIncluded()
    {
        // One job in each state in "default", one available job in "other".
        var parent = await InsertAsync(TestJobs.New(kind: "kind.parent"));
        await InsertAsync(TestJobs.New(after: parent));                                        // waiting
        await InsertAsync(TestJobs.Scheduled(TestTime.At(60)));                               // scheduled
        await InsertAndClaimAsync();                                                          // running
        var retrying = await InsertAndClaimAsync();
        await CompleteAsync(retrying, JobOutcome.Retry, error: TestJobs.Error(1, TestTime.At(1)), retryAt: TestTime.At(60));
        await InsertFinishedAsync(JobOutcome.Succeeded);
        await InsertFinishedAsync(JobOutcome.Dead);
        var cancelled = await InsertAsync(TestJobs.New());
        await Store.CancelJobAsync(new JobIdParams(cancelled, TestTime.At(1)));
        await InsertAsync(TestJobs.New(queue: "other"));

        var queues = await Store.ListQueuesAsync(new ListQueuesParams());

        queues.Select(q => q.Name).ShouldBe(["default", "other"]);
        foreach (var state in JobStates.All)
        {
            queues[0].Counts[state].ShouldBe(1, $"default/{state.ToWireName()}");
            queues[1].Counts[state].ShouldBe(state == JobState.Available ? 1 : 0, $"other/{state.ToWireName()}");
        }
        queues.ShouldAllBe(q => !q.Paused);
    }
}
