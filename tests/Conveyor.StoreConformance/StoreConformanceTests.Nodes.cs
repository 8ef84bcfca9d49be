using Conveyor.Storage;

namespace Conveyor.StoreConformance;

public abstract partial class StoreConformanceTests
{
    private static NodeInfo Node(string name, DateTimeOffset heartbeatAt, int busy = 0) => new()
    {
        Name = name,
        Host = "host-" + name,
        Pid = 4242,
        Version = "1.2.3",
        StartedAt = TestTime.At(-100),
        HeartbeatAt = heartbeatAt,
        Kinds = [TestJobs.Kind, TestJobs.OtherKind],
        Queues = new Dictionary<string, NodeQueueSlots> { ["default"] = new(busy, 8), ["smtp"] = new(0, 2) },
    };

    [Fact]
    public async Task UpsertNode_RegistersTheNodeWithEveryField()
    {
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("b", TestTime.At(1), busy: 3)));

        var node = (await Store.ListNodesAsync(new ListNodesParams())).ShouldHaveSingleItem();

        node.Name.ShouldBe("b");
        node.Host.ShouldBe("host-b");
        node.Pid.ShouldBe(4242);
        node.Version.ShouldBe("1.2.3");
        node.StartedAt.ShouldBe(TestTime.At(-100));
        node.HeartbeatAt.ShouldBe(TestTime.At(1));
        node.Kinds.ShouldBe([TestJobs.Kind, TestJobs.OtherKind]);
        node.Queues.Count.ShouldBe(2);
        node.Queues["default"].ShouldBe(new NodeQueueSlots(3, 8));
        node.Queues["smtp"].ShouldBe(new NodeQueueSlots(0, 2));
    }

    [Fact]
    public async Task UpsertNode_RefreshesAnExistingNode_AndListIsByName()
    {
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("b", TestTime.At(1))));
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("a", TestTime.At(1))));

        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("b", TestTime.At(20), busy: 5)));

        var nodes = await Store.ListNodesAsync(new ListNodesParams());
        nodes.Select(n => n.Name).ShouldBe(["a", "b"]);
        nodes[1].HeartbeatAt.ShouldBe(TestTime.At(20));
        nodes[1].Queues["default"].ShouldBe(new NodeQueueSlots(5, 8));
    }

    [Fact]
    public async Task RemoveNode_RemovesOnlyThatNode()
    {
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("a", TestTime.At(1))));
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("b", TestTime.At(1))));

        await Store.RemoveNodeAsync(new RemoveNodeParams("a"));
        await Store.RemoveNodeAsync(new RemoveNodeParams("never-registered"));

        (await Store.ListNodesAsync(new ListNodesParams())).Select(n => n.Name).ShouldBe(["b"]);
    }

    [Fact]
    public async Task PruneNodes_RemovesNodesNoLongerLive()
    {
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("old", TestTime.At(1)) with { LiveUntil = TestTime.At(6) }));
        await Store.UpsertNodeAsync(new UpsertNodeParams(Node("fresh", TestTime.At(5)) with { LiveUntil = TestTime.At(10) }));

        (await Store.PruneNodesAsync(new PruneNodesParams(TestTime.At(8)))).ShouldBe(1);

        (await Store.ListNodesAsync(new ListNodesParams())).Select(n => n.Name).ShouldBe(["fresh"]);
    }

    [Fact]
    public async Task Leader_TheFirstNodeAcquires()
    {
        (await Store.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.T0))).ShouldBeNull();

        (await Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node1, TestTime.T0, TimeSpan.FromSeconds(30)))).ShouldBeTrue();

        (await Store.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.At(1)))).ShouldBe(Node1);
    }

    [Fact]
    public async Task Leader_ASecondNodeIsRefusedWhileTheLeaseIsValid()
    {
        var other = await OpenInstanceAsync();
        await Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node1, TestTime.T0, TimeSpan.FromSeconds(30)));

        (await other.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node2, TestTime.At(10), TimeSpan.FromSeconds(30)))).ShouldBeFalse();

        (await other.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.At(10)))).ShouldBe(Node1);
    }

    [Fact]
    public async Task Leader_TheHolderRenewsItsLease()
    {
        var other = await OpenInstanceAsync();
        await Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node1, TestTime.T0, TimeSpan.FromSeconds(30)));

        (await Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node1, TestTime.At(20), TimeSpan.FromSeconds(30)))).ShouldBeTrue();

        (await other.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node2, TestTime.At(40), TimeSpan.FromSeconds(30)))).ShouldBeFalse();
        (await Store.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.At(45)))).ShouldBe(Node1);
    }

    [Fact]
    public async Task Leader_AnotherNodeTakesOverAfterTheLeaseExpired()
    {
        var other = await OpenInstanceAsync();
        await Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node1, TestTime.T0, TimeSpan.FromSeconds(30)));
        (await Store.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.At(31)))).ShouldBeNull();

        (await other.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node2, TestTime.At(31), TimeSpan.FromSeconds(30)))).ShouldBeTrue();

        (await Store.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.At(32)))).ShouldBe(Node2);
        (await Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node1, TestTime.At(33), TimeSpan.FromSeconds(30)))).ShouldBeFalse();
    }

    [Fact]
    public async Task Leader_ReleaseFreesTheLeadershipAtOnce_OnlyForTheHolder()
    {
        var other = await OpenInstanceAsync();
        await Store.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node1, TestTime.T0, TimeSpan.FromSeconds(30)));

        await other.LeaderElector.ReleaseAsync(new LeaderReleaseParams(Node2));
        (await Store.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.At(1)))).ShouldBe(Node1);
        await Store.LeaderElector.ReleaseAsync(new LeaderReleaseParams(Node1));

        (await Store.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.At(2)))).ShouldBeNull();
        (await other.LeaderElector.TryAcquireAsync(new LeaderLeaseParams(Node2, TestTime.At(2), TimeSpan.FromSeconds(30)))).ShouldBeTrue();
        (await Store.LeaderElector.GetLeaderAsync(new GetLeaderParams(TestTime.At(3)))).ShouldBe(Node2);
    }
}
