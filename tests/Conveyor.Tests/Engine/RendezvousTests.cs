using Conveyor.Dispatching;
using Conveyor.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Tests.Engine;

/// <summary>Which node owns each affinity bucket: rendezvous hashing over the live nodes serving a queue.</summary>
public sealed class RendezvousTests
{
    private static Dictionary<string, AffinityBuckets> Ownership(params string[] nodes) =>
        nodes.ToDictionary(n => n, n => Rendezvous.Owned(n, nodes));

    private static string OwnerOf(int bucket, Dictionary<string, AffinityBuckets> ownership) =>
        ownership.Single(o => o.Value.Contains(bucket)).Key;

    [Fact]
    public void EveryBucket_HasExactlyOneOwner_AndTheNodesShareThemEvenly()
    {
        var ownership = Ownership("host-a:1", "host-b:2", "host-c:3");

        for (var bucket = 0; bucket < AffinityBuckets.Count; bucket++)
            ownership.Count(o => o.Value.Contains(bucket)).ShouldBe(1, $"owners of bucket {bucket}");
        foreach (var (node, owned) in ownership)
            owned.Size.ShouldBeInRange(AffinityBuckets.Count / 3 * 85 / 100, AffinityBuckets.Count / 3 * 115 / 100, node);
        Rendezvous.Owner(7, ownership.Keys).ShouldBe(OwnerOf(7, ownership));
    }

    [Fact]
    public void ANodeJoining_TakesAbout1OverN_OfTheBuckets_AndNoOtherBucketMoves()
    {
        var before = Ownership("n1", "n2", "n3");
        var after = Ownership("n1", "n2", "n3", "n4");

        var moved = 0;
        for (var bucket = 0; bucket < AffinityBuckets.Count; bucket++)
        {
            var was = OwnerOf(bucket, before);
            var now = OwnerOf(bucket, after);
            if (was == now) continue;
            now.ShouldBe("n4", $"bucket {bucket} moved from {was} to another old node");
            moved++;
        }
        ((double)moved / AffinityBuckets.Count).ShouldBeInRange(0.25 * 0.85, 0.25 * 1.15);
    }

    [Fact]
    public void ANodeLeaving_ItsBucketsGoToTheOthers_EvenlyAndOnlyThose()
    {
        var before = Ownership("n1", "n2", "n3", "n4");
        var after = Ownership("n1", "n2", "n3");

        var inherited = new Dictionary<string, int>();
        for (var bucket = 0; bucket < AffinityBuckets.Count; bucket++)
        {
            var was = OwnerOf(bucket, before);
            var now = OwnerOf(bucket, after);
            if (was != "n4") now.ShouldBe(was, $"bucket {bucket} of a node that stayed moved");
            else inherited[now] = inherited.GetValueOrDefault(now) + 1;
        }
        inherited.Values.Sum().ShouldBe(before["n4"].Size);
        inherited.Keys.Order().ShouldBe(["n1", "n2", "n3"]);
        inherited.Values.ShouldAllBe(n => n > before["n4"].Size / 3 * 0.7);
    }

    [Fact]
    public void ClusterView_OwnsEveryKeyAlone_SplitsWithLiveServingNodes_AndLeavesOutStoppingOnes()
    {
        var stops = 0;
        var view = new ClusterView("me", ["default", "mail"], NullLogger.Instance, () => stops++);
        NodeInfo Node(string name, bool stopping = false, params string[] queues) => new()
        {
            Name = name, Host = "h", Pid = 1, Version = "1", StartedAt = DateTimeOffset.UnixEpoch, HeartbeatAt = DateTimeOffset.UnixEpoch,
            Queues = queues.ToDictionary(q => q, _ => new NodeQueueSlots(0, 1)), StopRequested = stopping,
        };

        view.OwnedIn("default").ShouldBeNull("no registry read yet: the node claims every key");
        view.Update([Node("me", false, "default", "mail"), Node("other", false, "default"), Node("leaving", true, "mail")]);

        view.OwnedIn("default").ShouldNotBeNull().Size.ShouldBe(Rendezvous.Owned("me", ["me", "other"]).Size);
        view.OwnedIn("mail").ShouldBeNull("the only other node of mail is stopping");
        stops.ShouldBe(0);

        view.Update([Node("me", true, "default", "mail"), Node("other", false, "default")]);
        view.Update([Node("me", true, "default", "mail"), Node("other", false, "default")]);
        stops.ShouldBe(1);
    }
}
