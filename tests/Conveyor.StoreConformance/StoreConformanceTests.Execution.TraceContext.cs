using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string TraceState = "vendor=opaque,other=1";

    [Fact]
    public async Task TraceContext_StoredAtInsert_ComesBackWithTheClaim()
    {
        var traced = await InsertAsync(TestJobs.New() with { TraceParent = TraceParent, TraceState = TraceState });
        var untraced = await InsertAsync(TestJobs.New());

        var claimed = await ClaimAsync(limit: 2);

        claimed.Select(c => c.Id).ShouldBe([traced, untraced]);
        claimed[0].TraceParent.ShouldBe(TraceParent);
        claimed[0].TraceState.ShouldBe(TraceState);
        claimed[1].TraceParent.ShouldBeNull();
        claimed[1].TraceState.ShouldBeNull();
    }

    [Fact]
    public async Task TraceContext_IsKeptByEveryInsertPath_UniqueKeys_After_AndLargeBatches()
    {
        var parent = await InsertFinishedAsync(JobOutcome.Succeeded);
        var keyed = await InsertAsync(TestJobs.New(uniqueKey: "traced") with { TraceParent = TraceParent });
        var child = await InsertAsync(TestJobs.New(after: parent) with { TraceParent = TraceParent, TraceState = TraceState });
        // Large enough for a store's bulk path (PostgreSQL writes 1,000 jobs or more with COPY).
        var bulk = await InsertManyAsync([.. Enumerable.Range(0, 1000).Select(_ => TestJobs.New() with { TraceParent = TraceParent, TraceState = TraceState })]);

        var claimed = (await ClaimAsync(limit: 1002)).ToDictionary(c => c.Id);

        claimed[keyed].TraceParent.ShouldBe(TraceParent);
        claimed[keyed].TraceState.ShouldBeNull();
        claimed[child].TraceState.ShouldBe(TraceState);
        claimed.Count.ShouldBe(1002);
        bulk.ShouldAllBe(id => claimed[id].TraceParent == TraceParent && claimed[id].TraceState == TraceState);
    }
}
