using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// Nodes you can steer: liveness by heartbeat plus lease, and stop requests through the store.
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task UpsertNode_StoresLiveUntilAndSlots_DefaultLiveUntilIsHeartbeatPlusTheDefaultLease()
    {
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("a", TestTime.At(1)) with { LiveUntil = TestTime.At(6), Slots = 16 }));
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("b", TestTime.At(1))));

        var nodes = await Store.ListNodesAsync(new ListNodesParams());

        nodes[0].LiveUntil.ShouldBe(TestTime.At(6));
        nodes[0].Slots.ShouldBe(16);
        nodes[0].StopRequested.ShouldBeFalse();
        nodes[1].LiveUntil.ShouldBe(TestTime.At(1) + WorkerOptions.DefaultLeaseDuration);
        nodes[1].Slots.ShouldBe(0);
    }

    [Fact]
    public async Task ListNodes_LiveAt_ListsOnlyTheNodesLiveThen()
    {
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("gone", TestTime.At(1)) with { LiveUntil = TestTime.At(6) }));
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("live", TestTime.At(4)) with { LiveUntil = TestTime.At(9) }));

        (await Store.ListNodesAsync(new ListNodesParams(LiveAt: TestTime.At(5)))).Select(n => n.Name).ShouldBe(["gone", "live"]);
        (await Store.ListNodesAsync(new ListNodesParams(LiveAt: TestTime.At(6)))).Select(n => n.Name).ShouldBe(["live"]);
        (await Store.ListNodesAsync(new ListNodesParams(LiveAt: TestTime.At(9)))).ShouldBeEmpty();
        (await Store.ListNodesAsync(new ListNodesParams())).Count.ShouldBe(2);
    }

    [Fact]
    public async Task RequestNodeStop_MarksTheLiveNode_AndItsHeartbeatsKeepTheMark()
    {
        var node = Node("a", TestTime.At(1)) with { LiveUntil = TestTime.At(31) };
        await Store.UpsertNodeAsync(new UpsertNodeParams(node));
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("b", TestTime.At(1))));

        (await Store.RequestNodeStopAsync(new RequestNodeStopParams("a", TestTime.At(2)))).ShouldBeTrue();
        (await Store.RequestNodeStopAsync(new RequestNodeStopParams("a", TestTime.At(3)))).ShouldBeTrue();
        await Store.UpsertNodeAsync(new UpsertNodeParams(node with { HeartbeatAt = TestTime.At(5), LiveUntil = TestTime.At(35) }));

        var nodes = await Store.ListNodesAsync(new ListNodesParams(LiveAt: TestTime.At(5)));
        nodes.Single(n => n.Name == "a").StopRequested.ShouldBeTrue();
        nodes.Single(n => n.Name == "b").StopRequested.ShouldBeFalse();
    }

    [Fact]
    public async Task RequestNodeStop_ANodeUnknownOrNoLongerLive_ReturnsFalse_AndChangesNothing()
    {
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("gone", TestTime.At(1)) with { LiveUntil = TestTime.At(6) }));

        (await Store.RequestNodeStopAsync(new RequestNodeStopParams("nobody", TestTime.At(2)))).ShouldBeFalse();
        (await Store.RequestNodeStopAsync(new RequestNodeStopParams("gone", TestTime.At(7)))).ShouldBeFalse();

        (await Store.ListNodesAsync(new ListNodesParams())).ShouldHaveSingleItem().StopRequested.ShouldBeFalse();
    }

    [Fact]
    public async Task RequestNodeStop_DoesNotHoldForANewNodeStartedUnderTheSameName()
    {
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("a", TestTime.At(1))));
        (await Store.RequestNodeStopAsync(new RequestNodeStopParams("a", TestTime.At(2)))).ShouldBeTrue();

        // The stopped node's successor (a restart under a fixed name) starts later.
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("a", TestTime.At(10)) with { StartedAt = TestTime.At(9) }));

        (await Store.ListNodesAsync(new ListNodesParams())).ShouldHaveSingleItem().StopRequested.ShouldBeFalse();
    }
}
