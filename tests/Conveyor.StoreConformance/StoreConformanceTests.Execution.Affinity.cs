using Conveyor.Storage;

namespace Conveyor.StoreConformance;

// Key affinity inside the claim: a job whose key's bucket another node owns waits for that node, within the grace.
public abstract partial class StoreConformanceTests
{
    private static readonly TimeSpan AffinityGrace = TimeSpan.FromSeconds(2);

    // Keys chosen for distinct buckets; the non-ASCII one checks that every store hashes the UTF-8 bytes alike.
    private const string MineKey = "tenant-mine";
    private const string TheirsKey = "tenant-ä€𝄞-theirs";

    private static ClaimAffinity OwningOnly(DateTimeOffset now, params string[] keys) =>
        new(new AffinityBuckets(keys.Select(AffinityBuckets.Of)), now - AffinityGrace);

    private Task<ClaimedJobs> ClaimWithAffinityAsync(ClaimAffinity? affinity, DateTimeOffset now, int limit = 100) =>
        Store.ClaimAsync(new ClaimJobsParams(Node1, TestJobs.Queue, TestJobs.AllKinds, limit, now, now + DefaultLease) { Affinity = affinity });

    [Fact]
    public void AffinityBuckets_OfAKey_IsStable()
    {
        // FNV-1a (32 bits) of the UTF-8 bytes, mod 4096: fixed values, so no store or version may drift.
        AffinityBuckets.Of("").ShouldBe((int)(2166136261u % 4096));
        AffinityBuckets.Of("a").ShouldBe((int)(unchecked((2166136261u ^ 'a') * 16777619u) % 4096));
        AffinityBuckets.Of(MineKey).ShouldNotBe(AffinityBuckets.Of(TheirsKey));
    }

    [Fact]
    public async Task Claim_WithAffinity_SkipsJobsWhoseKeyAnotherNodeOwns_WithinTheGrace()
    {
        var ids = await InsertManyAsync(
            TestJobs.New(priority: 3) with { AffinityKey = TheirsKey },
            TestJobs.New(priority: 2) with { AffinityKey = MineKey },
            TestJobs.New(priority: 1));

        var now = TestTime.At(1);
        var claimed = await ClaimWithAffinityAsync(OwningOnly(now, MineKey), now);

        claimed.Select(c => c.Id).ShouldBe([ids[1], ids[2]]);
        claimed[0].AffinityKey.ShouldBe(MineKey);
        (await GetAsync(ids[0])).State.ShouldBe(JobState.Available);
        (await GetAsync(ids[0])).AffinityKey.ShouldBe(TheirsKey);
    }

    [Fact]
    public async Task Claim_WithAffinity_TakesAnotherNodesJob_OnceItHasBeenAvailableForTheGrace()
    {
        var id = await InsertAsync(TestJobs.New() with { AffinityKey = TheirsKey });

        (await ClaimWithAffinityAsync(OwningOnly(TestTime.At(1.9), MineKey), TestTime.At(1.9))).ShouldBeEmpty();

        var now = TestTime.At(2);
        (await ClaimWithAffinityAsync(OwningOnly(now, MineKey), now)).ShouldHaveSingleItem().Id.ShouldBe(id);
    }

    [Fact]
    public async Task Claim_WithAffinity_TheOwnerTakesItsKey_AndTheSkippedJobsKeepTheirPlace()
    {
        var ids = await InsertManyAsync(
            TestJobs.New(priority: 5) with { AffinityKey = TheirsKey },
            TestJobs.New(priority: 4) with { AffinityKey = MineKey },
            TestJobs.New(priority: 3) with { AffinityKey = TheirsKey });
        var now = TestTime.At(1);

        (await ClaimWithAffinityAsync(OwningOnly(now, MineKey), now, limit: 1)).Select(c => c.Id).ShouldBe([ids[1]]);

        // The other node owns TheirsKey: it takes its two in claim order.
        (await ClaimWithAffinityAsync(OwningOnly(now, TheirsKey), now)).Select(c => c.Id).ShouldBe([ids[0], ids[2]]);
    }

    [Fact]
    public async Task Claim_WithoutAffinity_TakesJobsWhateverTheirKey()
    {
        var ids = await InsertManyAsync(TestJobs.New() with { AffinityKey = TheirsKey }, TestJobs.New() with { AffinityKey = MineKey });

        (await ClaimWithAffinityAsync(null, TestTime.At(0))).Select(c => c.Id).ShouldBe(ids);
    }

    [Fact]
    public async Task Claim_WithAffinity_OwningNoBucket_TakesOnlyJobsWithoutKey_OrPastTheirGrace()
    {
        var ids = await InsertManyAsync(
            TestJobs.New() with { AffinityKey = MineKey },
            TestJobs.New(runAt: TestTime.At(-5)) with { AffinityKey = TheirsKey },
            TestJobs.New());
        var now = TestTime.At(0);

        var claimed = await ClaimWithAffinityAsync(new ClaimAffinity(new AffinityBuckets([]), now - AffinityGrace), now);

        claimed.Select(c => c.Id).Order().ShouldBe([ids[1], ids[2]]);
    }
}
