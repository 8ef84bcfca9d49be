using Conveyor.Storage;
using Conveyor.Storage.Memory;

namespace Conveyor.Tests.Storage;

/// <summary>
/// The memory store's heaps remove lazily and rebuild themselves once stale entries outnumber live ones;
/// these tests drive both paths far past the rebuild threshold and check order and counts against a model.
/// </summary>
public sealed class JobHeapTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Kinds = ["k"];

    private static MemoryJob Job(long id, int priority = 0) => new()
    {
        Id = id, Kind = "k", Queue = new MemoryQueue("q"), ArgsJson = "{}", Priority = priority, CreatedAt = T0, RunAt = T0,
    };

    private static List<long> Drain(JobHeap<ClaimKey> heap)
    {
        var ids = new List<long>();
        while (heap.TryPeek(out var job, out var key))
        {
            key.Id.ShouldBe(job.Id);
            ids.Add(job.Id);
            heap.Remove(job);
        }
        return ids;
    }

    [Fact]
    public void TakesJobsInClaimOrder_SkippingRemovedOnes_ThroughRebuilds()
    {
        var random = new Random(7);
        var heap = new JobHeap<ClaimKey>();
        var model = new SortedSet<ClaimKey>();
        var jobs = new Dictionary<long, MemoryJob>();
        for (var id = 1L; id <= 6_000; id++)
        {
            var job = Job(id, priority: random.Next(3));
            jobs[id] = job;
            heap.Add(job, ClaimKey.Of(job));
            model.Add(ClaimKey.Of(job));
        }
        // Remove 5,000 at random (well past the point where stale entries force a rebuild), and put a few
        // back with a new key: each must come out once, at its new place.
        foreach (var id in Enumerable.Range(1, 6_000).OrderBy(_ => random.Next()).Take(5_000))
        {
            heap.Remove(jobs[id]);
            model.Remove(ClaimKey.Of(jobs[id]));
        }
        foreach (var id in model.Take(10).Select(k => k.Id).ToList())
        {
            heap.Remove(jobs[id]);
            model.Remove(ClaimKey.Of(jobs[id]));
            var moved = jobs[id] = new MemoryJob
            {
                Id = id, Kind = "k", Queue = jobs[id].Queue, ArgsJson = "{}", Priority = -1, CreatedAt = T0, RunAt = T0,
                IndexVersion = jobs[id].IndexVersion,
            };
            heap.Add(moved, ClaimKey.Of(moved));
            model.Add(ClaimKey.Of(moved));
        }

        heap.Count.ShouldBe(1_000);
        Drain(heap).ShouldBe(model.Select(k => k.Id).ToList());
        heap.Count.ShouldBe(0);
    }

    [Theory]
    [InlineData(1, 0.95)]
    [InlineData(2, 0.5)]
    [InlineData(3, 0.0)]
    public void AgreesWithASortedSet_UnderMixedAddsRemovesAndTakes(int seed, double inOrderShare)
    {
        // Mostly increasing keys exercise the ordered run (its ring buffer wraps, grows and is compacted with its
        // front moved on); smaller keys go to the heap; every take must be the model's minimum.
        var random = new Random(seed);
        var heap = new JobHeap<ClaimKey>();
        var model = new SortedSet<ClaimKey>();
        var live = new List<MemoryJob>();
        var nextTicks = 1_000L;
        var id = 0L;
        for (var step = 0; step < 60_000; step++)
        {
            var roll = random.NextDouble();
            if (roll < 0.5 || live.Count == 0)
            {
                var ticks = random.NextDouble() < inOrderShare ? nextTicks++ : random.NextInt64(0, nextTicks);
                var job = new MemoryJob
                {
                    Id = ++id, Kind = "k", Queue = new MemoryQueue("q"), ArgsJson = "{}", Priority = 0, CreatedAt = T0,
                    RunAt = new DateTimeOffset(ticks, TimeSpan.Zero),
                };
                heap.Add(job, ClaimKey.Of(job));
                model.Add(ClaimKey.Of(job));
                live.Add(job);
            }
            else if (roll < 0.75)
            {
                var index = random.Next(live.Count);
                var job = live[index];
                live[index] = live[^1];
                live.RemoveAt(live.Count - 1);
                heap.Remove(job);
                model.Remove(ClaimKey.Of(job));
            }
            else
            {
                heap.TryPeek(out var job, out var key).ShouldBeTrue();
                key.ShouldBe(model.Min);
                job.Id.ShouldBe(model.Min.Id);
                heap.Remove(job);
                model.Remove(key);
                live.Remove(job);
            }
            heap.Count.ShouldBe(model.Count);
        }
        Drain(heap).ShouldBe(model.Select(k => k.Id).ToList());
    }

    [Fact]
    public void InOrderKeys_SurviveARebuildOfAWrappedRun()
    {
        // 3,000 in order, 2,000 taken from the front, 2,500 more: the run's ring buffer now wraps around its end.
        // Removing two of every three then rebuilds it with its front in the middle of the array.
        var heap = new JobHeap<ClaimKey>();
        var jobs = new List<MemoryJob>();
        void AddInOrder(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var job = Job(jobs.Count + 1);
                jobs.Add(job);
                heap.Add(job, ClaimKey.Of(job));
            }
        }
        AddInOrder(3_000);
        for (var i = 0; i < 2_000; i++)
        {
            heap.TryPeek(out var first, out _).ShouldBeTrue();
            first.Id.ShouldBe(i + 1);
            heap.Remove(first);
        }
        AddInOrder(2_500);
        var kept = new List<long>();
        foreach (var job in jobs.Skip(2_000))
        {
            if (job.Id % 3 == 0) kept.Add(job.Id);
            else heap.Remove(job);
        }

        heap.Count.ShouldBe(kept.Count);
        Drain(heap).ShouldBe(kept);
    }

    [Fact]
    public void AJobReAddedAfterRemoval_ComesOutOnce()
    {
        var heap = new JobHeap<ClaimKey>();
        var job = Job(1);
        heap.Add(job, ClaimKey.Of(job));
        for (var i = 0; i < 3_000; i++)
        {
            heap.Remove(job);
            heap.Add(job, ClaimKey.Of(job));
        }
        heap.Count.ShouldBe(1);
        Drain(heap).ShouldBe([1L]);
    }

    [Fact]
    public async Task MemoryStore_ExtendedManyTimes_RescuesTheJobOnce_AtItsLastLeaseEnd()
    {
        await using var store = new MemoryJobStore();
        var ids = await store.InsertManyAsync(new InsertJobsParams(
            [.. Enumerable.Range(0, 3).Select(_ => new NewJob { Kind = "k", Queue = "q", ArgsJson = "{}", MaxAttempts = 3, State = JobState.Available, RunAt = T0 })], T0));
        var claimed = await store.ClaimAsync(new ClaimJobsParams("n", "q", Kinds, 3, T0, T0.AddSeconds(30)));
        claimed.Count.ShouldBe(3);
        // Job 1 is extended 3,000 times (every extension leaves a stale lease entry behind), job 2 finishes.
        for (var i = 1; i <= 3_000; i++)
            (await store.ExtendLeasesAsync(new ExtendLeasesParams("n", [ids[0].Id], T0, T0.AddSeconds(30 + i)))).ShouldBeEmpty();
        await store.CompleteManyAsync(new CompleteJobsParams("n", [new JobCompletion(ids[1].Id, 1, JobOutcome.Succeeded)], T0));

        var early = await store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(T0.AddSeconds(31)));
        early.Select(r => r.Id).ShouldBe([ids[2].Id]);
        (await store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(T0.AddSeconds(3_030)))).ShouldBeEmpty();
        var late = await store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(T0.AddSeconds(3_031)));
        late.Select(r => r.Id).ShouldBe([ids[0].Id]);
        (await store.RescueExpiredLeasesAsync(new RescueExpiredLeasesParams(T0.AddDays(1)))).ShouldBeEmpty();
    }
}
